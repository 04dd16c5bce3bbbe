select built_at, content_hash, package_version, row_counts from build_info
