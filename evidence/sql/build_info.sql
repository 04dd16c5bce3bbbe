select built_at, content_hash, package_version, row_counts, release, released_at from build_info
