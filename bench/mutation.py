"""Mutation testing of every module: does every fault we can plant make some test fail?

Not part of CI and not part of `make test`: run it by hand (`make mutate`, or `make mutate GROUP="diff
releases"`) after changing one of the modules below or their tests. The groups cover the whole package:
the pure modules (grade, presenter, vocabulary, validate, guideline, synthesis: 14 min 19 s together on
the 2-core project machine, validate about 8-9 min; grade about 20 s, presenter 35 s, vocabulary 30 s,
guideline 1.5 min, synthesis 4 min) and the modules with files, databases and pages (diff, releases, files,
read, inputs, build, incremental (the pipeline's plan and write stages), exports, the site (site_tables,
site_guideline, site_views, site_serving, site_text: one Datasette start-up per mutant, seconds each), cli). Each group fits a CI job of its own; run one at a
time on a shared machine (`--group NAME`; it prints its own run time).

Tool: mutmut 3.8.1. This script installs nothing; install the tool into the project's venv first:

    .venv/bin/pip install mutmut==3.8.1

How it works. mutmut rewrites the sources it mutates into a `mutants/` folder beside them, so each
group below runs in its own copy of the working tree in a temporary folder (tracked and untracked,
not ignored files, listed with `git ls-files`; the repository itself is never written to). Each group
names the modules it mutates and the fast test files that are meant to kill their mutants (never the
browser test, never the whole suite); mutmut runs, for each mutant, only those of the group's tests
that call the mutated function. mutmut 3 mutates code inside functions and methods only: module
constants, and functions with a decorator other than @staticmethod/@classmethod (``scales``, which is
``lru_cache``d), are not mutated.

Surviving mutants that were examined and cannot change behaviour are listed in EQUIVALENT below with the
reason; a survivor that is not listed there is a test gap (or a new equivalent: add it with its reason).
mutmut numbers mutants per function, so the list holds only while those functions are unchanged.

Per module it prints the mutants, killed, survived (mutmut's "survived" plus "no tests": a mutant no
selected test reaches), timeouts and other outcomes, and the score (killed + timeouts) / (mutants -
skipped), then the total. `--show` prints the diff of each surviving mutant.

Usage:
    .venv/bin/python bench/mutation.py [--group grade --group synthesis ...] [--show] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOL = "mutmut==3.8.1"

SYNTHESIS = ("effects", "tau2", "mh", "pooling", "absolute", "assist", "findings")
SYNTHESIS_IO = ("__init__", "names", "cells", "csvinput", "revman", "report", "forest", "stored", "cli")
# the site (evidence/site/), in five groups: its 22 modules in one would be more than a CI job
SITE_TABLES = ("table_pages", "finding_page", "front_page", "forest_plots")
SITE_GUIDELINE = ("guideline_pages", "search_page")
SITE_VIEWS = ("condition_pages", "document_pages", "changes_pages", "gap_map", "query_pages", "certainty_symbols",
              "identifier_links")
SITE_SERVING = ("__init__", "downloads", "cache_headers", "request_limits", "bounded_search", "serving_counts",
                "precomputed_facets")
SITE_TEXT = ("i18n", "labels")
SITE_TESTS = ("tests/test_site*.py", "tests/test_serve.py", "tests/test_safe_serving.py", "tests/test_serving_counts.py",
              "tests/test_releases.py", "tests/test_routes*.py")

# group: (modules mutated, test files that are meant to kill their mutants). A tests/test_mutation_<group>*.py
# file is added to its group when it exists.
GROUPS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "grade": (("evidence/grade.py",), ("tests/test_grade.py", "tests/test_validate.py")),
    "presenter": (("evidence/presenter.py",), ("tests/test_presenter.py", "tests/test_sof.py")),
    "vocabulary": (("evidence/vocabulary.py", "evidence/languages/__init__.py"),
                   ("tests/test_vocabulary.py", "tests/test_languages.py", "tests/test_one_home.py")),
    "validate": (("evidence/validate.py", "evidence/provenance.py", "evidence/fast_records.py"),
                 ("tests/test_validate.py", "tests/test_synthesis_build.py", "tests/test_provenance.py",
                  "tests/test_fast_records.py")),
    "guideline": (("evidence/guideline.py",), ("tests/test_guideline.py", "tests/test_validate.py")),
    "synthesis": (tuple(f"evidence/synthesis/{m}.py" for m in SYNTHESIS), ("tests/test_synthesis_*.py",)),
    "synthesis_io": (tuple(f"evidence/synthesis/{m}.py" for m in SYNTHESIS_IO), ("tests/test_synthesis_*.py",)),
    # modules with files, databases and pages
    "diff": (("evidence/diff.py",), ("tests/test_diff.py", "tests/test_releases.py", "tests/test_incremental.py")),
    "releases": (("evidence/releases.py",), ("tests/test_releases.py", "tests/test_release_files.py",
                                             "tests/test_integrity_releases.py")),
    "files": (("evidence/files.py",), ("tests/test_integrity_build.py", "tests/test_integrity_exports.py",
                                       "tests/test_build.py", "tests/test_integrity_targets.py",
                                       "tests/test_integrity_add.py", "tests/test_scaffold.py", "tests/test_synthesis_cli.py")),
    "read": (("evidence/__init__.py", "evidence/read.py", "evidence/columns.py", "evidence/metadata.py", "evidence/titles.py"),
             ("tests/test_export.py", "tests/test_metadata.py", "tests/test_cli.py", "tests/test_architecture.py",
              "tests/test_integrity_filters.py", "tests/test_bibliography.py", "tests/test_routes_downloads.py")),
    # the files a build reads: discovery, text, YAML (PyYAML and the yaml_rs fast path), BibTeX. Not
    # tests/test_bibliography.py: it builds the real data (the session's real_db) and runs biber, about 3 s
    # for every surviving mutant it is run for, to read the bibliography back through the exports (the
    # exports group runs it)
    "inputs": (("evidence/discover.py", "evidence/text.py", "evidence/yaml_safe.py", "evidence/yaml_fast.py",
                "evidence/bibtex.py", "evidence/inputs.py", "evidence/latex.py"),
               ("tests/test_inputs.py", "tests/test_fast_yaml.py", "tests/test_integrity_inputs.py",
                "tests/test_bad_inputs.py")),
    # the build's stages (evidence/pipeline/) and the build that runs them
    "build": (("evidence/build.py", "evidence/schema.py", "evidence/storage.py", "evidence/version.py", "evidence/pipeline/__init__.py",
               "evidence/pipeline/read.py", "evidence/pipeline/parse.py", "evidence/pipeline/rows.py"),
              ("tests/test_build.py", "tests/test_integrity_build.py", "tests/test_incremental.py", "tests/test_inputs.py",
               "tests/test_mutation_incremental.py")),
    "incremental": (("evidence/pipeline/plan.py", "evidence/pipeline/write.py", "evidence/search_indexes.py"),
                    ("tests/test_incremental.py", "tests/test_build.py", "tests/test_integrity_build.py",
                     "tests/test_site_search.py")),
    "counts": (("evidence/pipeline/counts.py",), ("tests/test_incremental_counts.py", "tests/test_incremental.py")),
    # the exports, one group a module or two: the whole package in one group is 6,190 mutants, and its tests
    # include minutes of LibreOffice, biber and 100k-row runs (more than a CI job)
    "exports": (("evidence/exports/__init__.py", "evidence/exports/tables.py"),
                ("tests/test_export.py", "tests/test_export_streaming.py", "tests/test_export_site.py",
                 "tests/test_integrity_exports.py", "tests/test_twin_paths.py", "tests/test_routes_downloads.py")),
    "exports_references": (("evidence/exports/references.py",),
                           ("tests/test_bibliography.py", "tests/test_export.py", "tests/test_export_streaming.py",
                            "tests/test_mutation_exports_writers.py")),
    "exports_fhir": (("evidence/exports/fhir.py",), ("tests/test_fhir*.py", "tests/test_export_provenance.py")),
    "exports_sof": (("evidence/exports/sof.py", "evidence/exports/sof_docx.py"),
                    ("tests/test_sof.py", "tests/test_export_provenance.py", "tests/test_export.py",
                     "tests/test_mutation_exports_writers.py")),
    "exports_guideline": (("evidence/exports/guideline.py",), ("tests/test_guideline.py",
                                                               "tests/test_mutation_exports_writers.py")),
    "site_tables": (tuple(f"evidence/site/{m}.py" for m in SITE_TABLES), SITE_TESTS),
    "site_guideline": (tuple(f"evidence/site/{m}.py" for m in SITE_GUIDELINE), SITE_TESTS),
    "site_views": (tuple(f"evidence/site/{m}.py" for m in SITE_VIEWS), SITE_TESTS),
    "site_serving": (tuple(f"evidence/site/{m}.py" for m in SITE_SERVING),
                     SITE_TESTS + ("tests/test_cache_headers.py", "tests/test_download_serving.py",
                                   "tests/test_integrity_serving.py")),
    "site_text": (tuple(f"evidence/site/{m}.py" for m in SITE_TEXT),
                  SITE_TESTS + ("tests/test_languages.py", "tests/test_one_home.py")),
    "cli": (("evidence/cli.py", "evidence/choices.py", "evidence/scaffold.py", "evidence/serve.py", "evidence/problems.py"),
            ("tests/test_cli.py", "tests/test_scaffold.py", "tests/test_serve.py", "tests/test_workflow.py",
             "tests/test_startup.py", "tests/test_integrity_add.py")),
}

# Tests left out of every group: they serve pages through Datasette or write every export format (slow,
# and the site's plugins load from the installed package's entry points); they are not about these modules.
DESELECT = ("tests/test_synthesis_build.py::test_a_pooled_finding_shows_its_forest_plot_and_absolute_effects",
            "tests/test_guideline.py::test_the_guideline_pages_go_from_question_to_finding_and_back",
            # it copies the package and imports the copy in a new process: a copy of mutmut's rewritten package
            # cannot be imported outside mutmut's folder (the stats run fails), and no mutant is seen there
            "tests/test_languages.py::test_a_third_language_is_one_file_and_names_on_the_terms")
# Tests left out of one group, as mutmut would run them for nearly every surviving mutant of the group: the
# build of the project's real data (the session's real_db, over a second, reaches every function of the
# build), and the builds killed in subprocesses (6 s; mutmut sees only the hash it compares in-process). The
# group's other tests build small projects through the same code.
SLOW_BUILDS = ("tests/test_build.py::test_real_data_builds",
               "tests/test_integrity_build.py::test_killed_with_sigkill_at_random_moments")
# In group inputs, the property and corpus tests (hypothesis; 3 to 26 s each, 60 s of the group's 115 s): the
# functions every parse runs are reached by them, so each surviving mutant there would cost the whole 115 s.
SLOW_INPUTS = ("tests/test_integrity_inputs.py::test_any_duplicated_mapping_key_is_refused",
               "tests/test_fast_yaml.py::test_generated_documents_read_as_pyyaml_reads_them",
               "tests/test_fast_yaml.py::test_the_synthetic_corpus_reads_the_same_and_entirely_by_yaml_rs",
               "tests/test_fast_yaml.py::test_damaged_documents_give_pyyaml_s_result_or_its_problem",
               "tests/test_fast_yaml.py::test_every_short_token_that_the_parsers_read_differently_fires_the_guard",
               "tests/test_bad_inputs.py::test_bad_input[comparator-risk-on-a-difference]")
# In the site groups, the tests that take seconds each and would run for every surviving mutant they reach: the
# crawl of every page (24 s; the route tests reach every route) and the real server processes (mutmut does not
# see the code a subprocess runs).
SLOW_SITE = ("tests/test_site_crawl.py::test_no_internal_link_is_broken",
             "tests/test_safe_serving.py::test_oversized_requests_do_not_stall_other_clients",
             "tests/test_safe_serving.py::test_the_bench_serves_its_interpreters_package_not_the_current_directorys",
             "tests/test_integrity_serving.py::test_pages_and_downloads_come_from_the_build_the_server_started_with")
SITE_GROUPS = ("site_tables", "site_guideline", "site_views", "site_serving", "site_text")
GROUP_DESELECT = {"build": SLOW_BUILDS, "incremental": SLOW_BUILDS, "inputs": SLOW_INPUTS,
                  **{group: SLOW_SITE for group in SITE_GROUPS}}
# Groups that mutate no build code: the fixtures' builds of data/ (tests/conftest.py's real_db, tests/test_routes.py's
# two releases) are made once, in mutmut's first run of the tests, and copied for every mutant
# ($EVIDENCE_TEST_CACHE, tests/conftest.py's cached_build), not built again for each (1.6 and 4 CPU s). The time a
# mutant's tests are given is mutmut's estimate, their calls' own time, which leaves out that fixture and the
# Datasette app each test module starts (see TIMEOUT_CONSTANT below).
CACHED_GROUPS = SITE_GROUPS

# Survivors examined and found equivalent (mutmut's names without "evidence."), each with the reason.
EQUIVALENT = {
    "grade.x_wording_fits__mutmut_27": "return for a certainty outside the four levels: unreachable (check_grade "
                                       "returns first unless the certainty is a term of the four-level scale)",
    **{f"vocabulary.x_check_kind__mutmut_{n}": "TermIn is flat: a pydantic location has at most one part, so the "
                                               "join separator and the 'term' fallback are never read"
       for n in (44, 45)},
    **{f"vocabulary.x_check_kind__mutmut_{n}": "n of get_close_matches: only the best match close[0] is used"
       for n in (57, 61)},
    "vocabulary.x_fast_term__mutmut_10": "KINDS's keys are text: a key of another type gets None either way",
    **{f"vocabulary.x_check_kind__mutmut_{n}": "a non-mapping term fails with model_type only, never "
                                               "model_attributes_type or dict_type" for n in (82, 83, 84, 85)},
    **{f"vocabulary.xǁVocabularyǁsuggestion__mutmut_{n}": "n=3 instead of n=1 (only close[0] is used) or the "
                                                          "default cutoff, which is 0.6 already" for n in (11, 12, 21)},
    **{f"validate.x__close_field__mutmut_{n}": "n of get_close_matches: only close[0] is used" for n in (8, 11)},
    **{f"validate.x__record_of__mutmut_{n}": "pydantic reports a nested location only for an item that exists "
                                             "in a list" for n in (19, 21, 23)},
    "validate.x_add_labels__mutmut_16": "same[0] and same[1] share their label (grouped by it)",
    **{f"validate.x_curated_vocabulary__mutmut_{n}": "line None for a vocabulary-level problem is printed and "
                                                     "resolved as line 1, the line it names" for n in (8, 11, 38, 41)},
    "validate.x_validate__mutmut_31": "doc.data is released after checking and never read again",
    "validate.xǁFileCheckerǁcheck__mutmut_4": "field None and field '' both print no field",
    **{f"validate.xǁFileCheckerǁcheck_numbers__mutmut_{n}": "reached only when both bounds are given or both "
                                                            "missing, so bounds[0] and bounds[1] agree" for n in (79, 93)},
    **{f"validate.xǁFileCheckerǁpydantic_problems__mutmut_{n}": "a non-mapping nested record fails with "
                                                                "model_attributes_type only" for n in (55, 56, 59, 60)},
    **{f"validate.xǁFileCheckerǁunique__mutmut_{n}": "the return value is not used by any caller" for n in (14, 17)},
    **{f"guideline.x_check_guideline__mutmut_{n}": "there is one guideline file (data/guideline.yaml): continue "
                                                   "and break end the same loop" for n in (12, 24)},
    **{f"guideline.x_check_guideline__mutmut_{n}": "line None is resolved to line 1 of the file, as given"
       for n in (17, 20)},
    "synthesis.absolute.x__direction__mutmut_15": "rounded == 0 has returned before the comparison",
    "synthesis.absolute.x__half_up__mutmut_9": "quantize uses the exponent only: 2e-d and 1e-d have the same",
    **{f"synthesis.absolute.x_more_fewer__mutmut_{n}": "for n == 0, f'{abs(n)} fewer' is '0 fewer'"
       for n in (9, 11, 12)},
    **{f"synthesis.absolute.x_smd_text__mutmut_{n}": "'MD ' occurs once in the MD text" for n in (7, 24)},
    "synthesis.assist.x_suggestions__mutmut_15": "a comparator risk of 0 is already excluded by its truth test",
    "synthesis.effects.x_continuous_effect__mutmut_62": "m == 1 raises in hedges_j either way",
    "synthesis.effects.x_continuous_effect__mutmut_65": "float('NAN') is nan",
    **{f"synthesis.mh.x_mantel_haenszel__mutmut_{n}": "integer tables: numpy's / is true division, results equal"
       for n in (3, 5)},
    **{f"synthesis.tau2.x__arrays__mutmut_{n}": "numeric input computes in float either way" for n in (3, 5, 7, 9)},
    "synthesis.pooling.x_i_squared__mutmut_38": "for 0 < Q <= 1 <= k - 1, I² is 0 either way",
    **{f"synthesis.tau2.x_paule_mandel__mutmut_{n}": "the first bracket 10·var(y) already has Q(upper) <= (k-1)/10 "
                                                     "< k-1, so the widening loop never runs"
       for n in (40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50)},
    **{f"synthesis.tau2.x_paule_mandel__mutmut_{n}": "bracket or iteration constant of a bisection run to machine "
                                                     "precision: the same root" for n in (30, 31, 36, 38, 52, 63)},
    **{f"synthesis.tau2.x_reml__mutmut_{n}": "only the start or the step-halving path changes; Fisher scoring "
                                             "converges to the same tau² within the threshold" for n in (11, 21, 68)},
    **{f"diff.x_between__mutmut_{n}": "SQLite reads schema names and keywords (main, null, or) in any case"
       for n in (10, 25, 29, 37, 75)},
    "diff.x_between__mutmut_42": "an empty condition turned into a word: SQLite reads it as the table's alias",
    "diff.x_between__mutmut_102": "row[1] is o.id (id is a compared column), equal to n.id by the join",
    **{f"diff.x_{name}__mutmut_{n}": "html.escape's quote=None is false, as quote=False"
       for name, n in (("_md", 8), ("as_markdown", 30))},
    **{f"releases.x_previous_release__mutmut_{n}": "SQLite reads keywords and names in any case" for n in (9, 23)},
    "releases.x_maintainers__mutmut_10": "codec names are case-insensitive",
    "releases.x_maintainers__mutmut_8": "the locale's encoding is UTF-8 wherever this runs (CI, the project machine)",
    **{f"releases.x_zenodo_json__mutmut_{n}": "an ORCID URL has its iD after the last '/': any split keeps it last"
       for n in (36, 41, 42)},
    "releases.x_zenodo_json__mutmut_78": "json.dumps's ensure_ascii=None is false, as False",
    "releases.x_zenodo_json__mutmut_84": "JSON indented by 3 reads as by 2",
    **{f"releases.x_citation_cff__mutmut_{n}": "YAML folded at another width, or its keys in another order, reads "
                                               "the same (a mapping has no order)" for n in (59, 61, 63, 64, 66)},
    "releases.x_citation_cff__mutmut_57": "yaml.safe_dump's sort_keys=None is false, as False",
    **{f"releases.x_previous_info__mutmut_{n}": "SQLite reads keywords and names in any case" for n in (9, 12)},
    "releases.x_maintainers__mutmut_4": "read_text's encoding=None is the locale's, UTF-8 wherever this runs",
    "releases.x_maintainers__mutmut_6": "codec names are case-insensitive",
    "releases.x_maintainers__mutmut_11": "yaml.compose's default Loader resolves tags with the same Resolver as the "
                                         "project's Loader: the same node tree (its checks run when constructing)",
    **{f"releases.x_maintainers__mutmut_{n}": "PyYAML's scanner and parser errors always carry a problem mark, so "
                                              "the line-1 fallback is never read" for n in (23, 26)},
    # files: Python's SQLite here and in CI is compiled with SQLITE_USE_URI (pragma compile_options: USE_URI)
    **{f"files.x_built_database__mutmut_{n}": "sqlite3.connect's uri flag: this SQLite reads a file: name as a URI "
                                              "either way (compiled with SQLITE_USE_URI)" for n in (11, 13, 17)},
    "files.x_built_database__mutmut_16": "?MODE=RO is an unknown URI parameter, ignored: the file is opened "
                                         "read-write, but this connection only reads it",
    "files.x_built_database__mutmut_22": "SQLite reads keywords and names in any case",
    "files.x_stale_temporaries__mutmut_11": "middle '' and None both fail `not middle`",
    **{f"files.x_stale_temporaries__mutmut_{n}": "follow_symlinks=None is false, as False" for n in (34, 36)},
    **{f"metadata.x_described_tables__mutmut_{n}": "every table and column has a description "
                                                   "(tests/test_metadata.py), so the '' fallback is never read"
       for n in (4, 10)},
    "metadata.x_dump__mutmut_4": "yaml.dump's sort_keys=None is false, as False",
    **{f"metadata.x_{name}__mutmut_{n}": "encoding None is the locale's, UTF-8 wherever this runs; codec names are "
                                         "case-insensitive" for name, n in (("read", 1), ("read", 3), ("write", 2),
                                                                             ("write", 4), ("write", 11))},
    **{f"metadata.x_read__mutmut_{n}": "PyYAML's marked errors always carry a problem mark, so the line-1 fallback "
                                       "is never read" for n in (13, 16)},
    **{f"read.x_{name}__mutmut_{n}": "SQLite reads keywords and names in any case"
       for name, n in (("_source_clauses", 15), ("_source_clauses", 38), ("_source_clauses", 55),
                       ("_source_clauses", 59), ("check_filter_values", 14), ("check_filter_values", 17),
                       ("select", 22), ("select", 42), ("select", 45), ("source_ids", 24), ("source_ids", 46))},
    **{f"read.x_check_filter_values__mutmut_{n}": "n of get_close_matches (only close[0] is used) or its default "
                                                  "cutoff, which is 0.6 already" for n in (27, 28, 29)},
    **{f"read.x_connect__mutmut_{n}": "sqlite3.connect's uri flag: this SQLite reads a file: name as a URI either "
                                      "way (compiled with SQLITE_USE_URI)" for n in (6, 8, 9)},
    **{f"files.x__create_exclusive__mutmut_{n}": "missing_ok in the failure path: the file was created by this "
                                                 "call, so it exists" for n in (17, 18)},
    **{f"files.x_create_new__mutmut_{n}": "missing_ok in finally: the temporary exists then (mkstemp made it; a "
                                          "hard link leaves it)" for n in (43, 44)},
    **{f"files.x_file_kind__mutmut_{n}": "only the first bytes of the head are compared: a longer head reads the same"
       for n in (8, 9)},
    **{f"files.x_write_text__mutmut_{n}": "encoding None is the locale's, UTF-8 wherever this runs; codec names are "
                                          "case-insensitive" for n in (7, 9, 11)},
    "files.x_input_reason__mutmut_1": "its only caller, check_target, always passes data_folder",
    "files.x_stale_temporaries__mutmut_37": "stat's follow_symlinks matters only for a symlink, which "
                                            "is_file(follow_symlinks=False) has excluded already",
    # cli: the options are built when evidence.cli is imported; tests/test_mutation_cli.py builds them again
    **{f"cli.x_{name}__mutmut_{n}": "click.Path's dir_okay=None is false, as False"
       for name, n in (("data_options", 12), ("output_option", 19))},
    **{f"cli.x_{name}__mutmut_{n}": "without its name, click names the parameter after its long option, the "
                                    "same name" for name, n in (("filter_options", 45), ("output_option", 9))},
    "cli.xǁExportCommandǁformat_epilog__mutmut_2": "click.Command.format_epilog does not read ctx",
    **{f"cli.x_write_export__mutmut_{n}": "the size of the temporary file's buffer (none, the default, 1 or 2 "
                                          "MiB): the same bytes, flushed when it is closed" for n in (73, 76, 77, 78)},
    **{f"serve.x_pin__mutmut_{n}": "flush of a message that ends with a newline on standard error, which is "
                                   "line-buffered (Python >= 3.9) or unbuffered" for n in (30, 33, 34)},
    "serve.x__running__mutmut_10": "as root (the project machine) os.kill(pid, 0) never raises PermissionError; "
                                   "as another user tests/test_mutation_cli.py's folder of pid 1 kills it",
    **{f"scaffold.x_{name}__mutmut_{n}": "codec names are case-insensitive"
       for name, n in (("slug", 13), ("add", 149))},
    "scaffold.xǁ_Bibǁappend__mutmut_23": "codec names are case-insensitive",
    "scaffold.x_slug__mutmut_28": "strip('XX-XX') strips X too, and the text was lower-cased: it has none",
    **{f"scaffold.x_yaml_key__mutmut_{n}": "None is false, as False (plain, ensure_ascii)" for n in (9, 14)},
    **{f"scaffold.x_same_publication__mutmut_{n}": "both titles are normalised the same way (joined by another "
                                                   "separator, or upper-cased): equal exactly when they were"
       for n in (19, 20)},
    "scaffold.xǁ_Bibǁ__init____mutmut_19": "written None is false, as False",
    "scaffold.xǁ_Bibǁ__init____mutmut_9": "a references.bib that does not exist is no symbolic link (a dangling one is "
                                          "refused first): resolve() names the same file",
    **{f"scaffold.xǁ_Bibǁrestore__mutmut_{n}": "restore is idempotent: a second one finds the bytes it restored "
                                               "(truncated to the same length) or the file it removed gone"
       for n in (18, 19)},
    **{f"scaffold.xǁ_Bibǁappend__mutmut_{n}": "parse_bib gives each entry's raw text with LF line ends already"
       for n in (20, 21)},
    **{f"scaffold.x{name}__mutmut_{n}": "missing_ok in the undo: the file was created by this command, so it "
                                        "exists" for name, n in (("ǁ_Bibǁrestore", 3), ("ǁ_Bibǁrestore", 4),
                                                                  ("__undo", 1), ("__undo", 2))},
    **{f"scaffold.x_add__mutmut_{n}": "the '' fallback of a DOI: by_doi holds only entries with a DOI, so "
                                      "neither '' nor 'xxxx' is a key of it" for n in (26, 68)},
    **{f"scaffold.x_add__mutmut_{n}": "parse_bib refuses two entries of one input with the same key (in any "
                                      "case) or DOI, so the entries added in one go never match each other"
       for n in (94, 95, 96)},
    "scaffold.x_add__mutmut_150": "the id was added to taken when it was planned",
    "scaffold.x_add__mutmut_111": "a second entry planned under an id already planned finds its file taken when "
                                  "written and moves on to the next free id, as for a name taken since the plan",
    **{f"scaffold.x_add__mutmut_{n}": "the stub names its id once (source_stub.yaml)" for n in (162, 163)},
    **{f"scaffold.x__validate_or_undo__mutmut_{n}": "bib.path is always DATA/references.bib, the file "
                                                    "default_bib finds beside the stub" for n in (5, 7)},
    # inputs
    **{f"text.x_searcher__mutmut_{n}": "pydantic-core's default regex_engine is rust-regex" for n in (6, 8)},
    **{f"yaml_safe.x{name}__mutmut_{n}": "yaml.compose's and yaml.parse's default Loader resolves and parses as "
                                         "CSafeLoader does: the same nodes and events (checks run when constructing)"
       for name, n in (("ǁYamlFileǁnode_of", 6), ("ǁYamlFileǁline_of", 6), ("_refuse_anchors", 4))},
    "yaml_safe.xǁYamlFileǁline_of__mutmut_8": "the first value of line is never read: it is set from the root node "
                                              "(or 1 returned) before any use",
    **{f"yaml_safe.xǁDuplicateKeyǁ__init____mutmut_{n}": "the error's context text is never shown: yaml_problem "
                                                         "words a duplicate key itself" for n in (1, 9, 10)},
    **{f"yaml_fast.xǁUnparsableǁ__init____mutmut_{n}": "the exception's text is never shown: validate reports "
                                                       "its problem" for n in (1, 2)},
    **{f"yaml_safe.x__yaml_line__mutmut_{n}": "PyYAML's marked errors always carry a problem mark, so the line-1 "
                                              "fallback is never read" for n in (10, 13)},
    **{f"yaml_safe.x__yaml_message__mutmut_{n}": "PyYAML's marked errors always name their problem, so the "
                                                 "'syntax error' fallback is never read" for n in (6, 7)},
    **{f"yaml_safe.x__hostile__mutmut_{n}": "the document has data, so node_of returns a node (the root at least), "
                                            "never None" for n in (6, 10)},
    **{f"{name}__mutmut_{n}": "str.count's start None is 0" for name, n in (("yaml_safe.x__hostile", 24),
                                                                           ("bibtex.x__line_in", 10))},
    "bibtex.x__line_in__mutmut_16": "an entry's raw text starts with '@', not a line break: counting from 1 is "
                                    "the same",
    **{f"yaml_fast.xǁLazyItemsǁ__iter____mutmut_{n}": "unreachable: LazyItems holds a text that starts with a "
                                                      "column-0 item and no document marker (plain_list), which "
                                                      "parses whole as a list or not at all"
       for n in range(25, 35)},
    **{f"bibtex.x__enclosed__mutmut_{n}": "the loop's index is not read" for n in (16, 20)},
    **{f"discover.x__walk__mutmut_{n}": "line None prints as line 1, and a folder that cannot be listed has no "
                                        "other problem to be ordered with" for n in (5, 8)},
    "text.x_decode__mutmut_3": "codec names are case-insensitive",
    # exports
    "exports.tables.x_frame__mutmut_14": "the frame is cast to each column's pandas type right after (astype), "
                                         "whatever backend read it",
    **{f"exports.tables.x_csvw_metadata__mutmut_{n}": "the filters are term and source ids, ASCII by their "
                                                      "patterns: escaped or not, the same JSON" for n in (47, 49, 51)},
    **{f"exports.tables.x_csvw_metadata__mutmut_{n}": "every column has a description (tests/test_metadata.py), so "
                                                      "the fallback is never read" for n in (86, 88, 91)},
    "exports.tables.x_csvw_metadata__mutmut_121": "codec names are case-insensitive",
    "exports.tables.x__xlsx__mutmut_18": "SQLite reads keywords and names in any case",
    "exports.tables.x__json_rows__mutmut_13": "pandas' force_ascii=None is false, as False",
    **{f"exports.tables.x__json__mutmut_{n}": "the head holds ids, a hash, a version and dates, all ASCII: escaped or "
                                              "not, the same bytes" for n in (14, 17, 19)},
    "exports.tables.x__xlsx__mutmut_47": "no table's name is longer than 31 characters (Excel's limit for a sheet)",
    **{f"exports.tables.x__xlsx__mutmut_{n}": "as_text reads the sheet only for a text that starts with =, +, - or "
                                              "@; no column description or build_info value does" for n in (158, 186)},
    "text.x_found__mutmut_2": "a non-ASCII text of exactly SLICE characters has no line break at or after SLICE, "
                              "so the loop's one slice is the whole text, as the whole-text search",
    **{f"discover.x{name}__mutmut_{n}": "a problem of a whole file: line None prints as line 1, and the file has no "
                                        "other problem to be ordered with"
       for name, n in (("_find_inputs", 42), ("_find_inputs", 45), ("__walk", 28), ("__walk", 31), ("__walk", 64),
                       ("__walk", 67), ("__unreadable", 8), ("__unreadable", 11), ("__unreadable", 16),
                       ("__unreadable", 19), ("__unreadable", 26), ("__unreadable", 29))},
    **{f"yaml_fast.x__yaml_rs__mutmut_{n}": "yaml_rs's default duplicate_key_policy is Error (yaml_rs 0.1.6)"
       for n in (4, 7)},
    "bibtex.x__too_deep_braces__mutmut_19": "an entry's raw text (as bibtexparser cuts it) closes no brace it has "
                                            "not opened, so its depth comes back to 0 only at its last brace",
    **{f"bibtex.x_{name}__mutmut_{n}": "an entry's raw text starts with '@': counting its lines from 0, None or 1 "
                                       "is the same" for name, n in (("_too_deep_braces", 25), ("_too_deep_braces", 31))},
    "bibtex.x_parse_bib__mutmut_8": "str.count's start None is 0",
    "bibtex.x_parse_bib__mutmut_17": "problems is empty there: = and += give the same list",
    "bibtex.x_parse_bib__mutmut_221": "DOIs compared upper-cased, as lower-cased: the same pairs are equal",
    **{f"yaml_fast.x__yaml_rs__mutmut_{n}": "yaml_rs reads a chunk that starts with a column-0 item as a list; one of "
                                            "another count (an item split inside a quoted scalar, both parts in the "
                                            "chunk) holds the same items PyYAML reads there, as RISKY found nothing"
       for n in (17, 18)},
    **{f"yaml_fast.x_too_deep__mutmut_{n}": "a pre-check that only saves time: with MAX_DEPTH brackets or fewer the "
                                            "loop's depth cannot pass MAX_DEPTH, and INDENT cannot match a text "
                                            "that is not wide (400 spaces or a tab); the same line or None"
       for n in (1, 11, 51, 53)},
    "yaml_fast.x_too_deep__mutmut_21": "match.group() is one bracket: in 'XX[{XX' exactly when in '[{'",
    **{f"yaml_fast.x_too_deep__mutmut_{n}": "str.count's start None is 0" for n in (32, 62)},
    "yaml_fast.x__pyyaml_item__mutmut_6": "an item's text holds one column-0 item (the text is split at every "
                                          "one), so PyYAML reads it as a list of one, a non-list, or not at all",
    # site
    "site.table_pages.x_download_links__mutmut_22": "Datasette's urls.table(None, …) names the first database "
                                                    "served, the site's one database (site_database)",
    "site.finding_page.x_bibtex_fields__mutmut_4": "the fields of no entry: 'XXXX' has none, as ''",
    **{f"site.table_pages.x_with_sort_column__mutmut_{n}": "codec names are case-insensitive" for n in (8, 47)},
}

# mutmut stops a mutant (and counts it caught, as a time-out) after (its tests' time + TIMEOUT_CONSTANT) x
# TIMEOUT_MULTIPLIER seconds of wall clock, or twice that in CPU seconds. Its tests' time is the time of
# their calls only, measured once: not the session fixtures each mutant's run sets up again (the real data
# built, a Datasette made: 3 s and more), nor a loaded machine. With mutmut's defaults (1 s, 15) a group
# whose tests need those fixtures timed mutants out for being slow, not for looping, and a time-out counts as
# caught: TIMEOUT_CONSTANT covers the fixtures on a loaded 2-core machine, and a smaller multiplier keeps a
# mutant that loops forever (a streaming writer's loop) from costing minutes.
# Each mutant's tests run in a process forked from a clean fork server (``process_isolation = forkserver``),
# not from mutmut's own process, which has run every test once to see which tests reach which function:
# the threads those tests started (Datasette's, the downloads' writers, the build's background copy) do not
# exist in a forked child, and a lock one of them held stays locked there. Forked from that process, the
# CSVW metadata's surviving mutants hung until their time limit and were counted caught.
TIMEOUT_CONSTANT = 20
TIMEOUT_MULTIPLIER = 4

# mutmut's exit code per mutant → the column it is counted in (mutmut.stats.status_by_exit_code).
COLUMN = {1: "killed", 3: "killed", 0: "survived", 5: "survived", 33: "survived", 34: "skipped",
          36: "timeout", -24: "timeout", 24: "timeout", 152: "timeout", 255: "timeout", None: "not checked"}


def tracked_files(root: Path) -> list[str]:
    """The working tree's files that are not ignored (read-only git; a plain walk without git)."""
    try:
        out = subprocess.run(["git", "ls-files", "-z", "-co", "--exclude-standard"], cwd=root, check=True,
                             capture_output=True).stdout.decode()
        return [p for p in out.split("\0") if p and (root / p).is_file()]
    except (OSError, subprocess.CalledProcessError):
        skip = {".git", ".venv", "mutants", "__pycache__", ".pytest_cache", "build", "dist"}
        return [str(p.relative_to(root)) for p in root.rglob("*")
                if p.is_file() and not skip & set(p.relative_to(root).parts)]


def copy_tree(root: Path, target: Path) -> None:
    for name in tracked_files(root):
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / name, target / name)
    shared = root.parent / "shared"  # tests read ../shared (grade rules, seeds) beside the repository
    if shared.is_dir() and not (target.parent / "shared").exists():
        (target.parent / "shared").symlink_to(shared)


def test_files(copy: Path, group: str, patterns: tuple[str, ...]) -> list[str]:
    files = sorted({str(p.relative_to(copy)) for pattern in patterns for p in copy.glob(pattern)})
    files += sorted(str(p.relative_to(copy)) for p in copy.glob(f"tests/test_mutation_{group}*.py"))
    return files


def write_config(copy: Path, modules: tuple[str, ...], tests: list[str], deselect: tuple[str, ...] = DESELECT) -> None:
    """mutmut reads [mutmut] in setup.cfg (the copy's pyproject.toml has no [tool.mutmut])."""
    lines = "\n    ".join
    (copy / "setup.cfg").write_text(
        "[mutmut]\n"
        "source_paths = evidence\n"
        f"only_mutate =\n    {lines(modules)}\n"
        f"pytest_add_cli_args_test_selection =\n    {lines(tests)}\n"
        f"pytest_add_cli_args =\n    -p\n    no:cacheprovider\n    {lines(f'--deselect={t}' for t in deselect)}\n"
        "also_copy =\n    data\n    metadata.yml\n    maintainers.yaml\n    bench\n    README.md\n    pyproject.toml\n    .github\n    .ci\n    Makefile\n    requirements.lock\n"
        f"timeout_multiplier = {TIMEOUT_MULTIPLIER}\n"
        f"timeout_constant = {TIMEOUT_CONSTANT}\n"
        "process_isolation = forkserver\n"
        "use_git_change_detection = false\n"
        "use_setproctitle = false\n",
        encoding="utf-8")


def mutmut() -> Path:
    tool = Path(sys.executable).with_name("mutmut")
    if not tool.exists():
        sys.exit(f"mutmut is not installed in {Path(sys.executable).parent.parent}: run\n"
                 f"    {Path(sys.executable).with_name('pip')} install {TOOL}")
    return tool


def run_group(root: Path, work: Path, group: str, max_children: int, show: bool) -> dict[str, Counter]:
    modules, patterns = GROUPS[group]
    copy = work / group
    copy.mkdir()
    copy_tree(root, copy)
    tests = test_files(copy, group, patterns)
    write_config(copy, modules, tests, DESELECT + GROUP_DESELECT.get(group, ()))
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("CI", None)
    if group in CACHED_GROUPS:
        env["EVIDENCE_TEST_CACHE"] = str(work / f"{group}-builds")
        (work / f"{group}-builds").mkdir()
    started = time.monotonic()
    log = work / f"{group}.log"
    with log.open("w") as out:
        done = subprocess.run([str(mutmut()), "run", "--max-children", str(max_children)], cwd=copy, env=env,
                              stdout=out, stderr=subprocess.STDOUT)
    print(f"[{group}] {len(tests)} test files, {time.monotonic() - started:.0f} s", file=sys.stderr)
    if done.returncode:
        sys.exit(f"mutmut failed for {group} (exit {done.returncode}); last lines of {log}:\n"
                 + "\n".join(log.read_text(errors="replace").splitlines()[-30:]))
    counts: dict[str, Counter] = {}
    survivors = []
    for module in modules:
        meta = copy / "mutants" / (module + ".meta")
        codes = json.loads(meta.read_text())["exit_code_by_key"] if meta.exists() else {}
        c = counts[module] = Counter(COLUMN.get(code, "other") for code in codes.values())
        c["mutants"] = len(codes)
        survivors += [name for name, code in codes.items() if COLUMN.get(code) == "survived"]
    if show:
        for name in sorted(survivors):
            diff = subprocess.run([str(mutmut()), "show", name], cwd=copy, env=env, capture_output=True, text=True)
            reason = EQUIVALENT.get(name.removeprefix("evidence."))
            print(diff.stdout.rstrip() or f"# {name}", flush=True)
            if reason:
                print(f"# equivalent: {reason}", flush=True)
            print(flush=True)
    known = [name for name in survivors if name.removeprefix("evidence.") in EQUIVALENT]
    gaps = sorted(set(survivors) - set(known))
    print(f"[{group}] {len(known)} surviving mutant(s) known to be equivalent (EQUIVALENT); "
          f"{len(gaps)} other(s){': ' if gaps else ''}{' '.join(gaps)}", file=sys.stderr)
    return counts


def score(c: Counter) -> float:
    tested = c["mutants"] - c["skipped"]
    return 100.0 * (c["killed"] + c["timeout"]) / tested if tested else 100.0


def row(name: str, c: Counter) -> str:
    other = c["mutants"] - c["killed"] - c["survived"] - c["timeout"]
    return (f"{name:<34} {c['mutants']:>7} {c['killed']:>7} {c['survived']:>8} {c['timeout']:>8} {other:>6}"
            f" {score(c):>6.1f}%")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--group", action="append", choices=GROUPS, help="run this group only (repeatable)")
    parser.add_argument("--show", action="store_true", help="print the diff of every surviving mutant")
    parser.add_argument("--keep", action="store_true", help="keep the temporary copies (paths are printed)")
    parser.add_argument("--max-children", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--root", type=Path, default=ROOT, help="the tree to copy (default: this repository)")
    args = parser.parse_args()
    mutmut()
    work = Path(tempfile.mkdtemp(prefix="evidence-mutation-"))
    started = time.monotonic()
    try:
        counts: dict[str, Counter] = {}
        for group in args.group or GROUPS:
            counts.update(run_group(args.root.resolve(), work, group, args.max_children, args.show))
    finally:
        if args.keep:
            print(f"copies and logs kept in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    total = sum(counts.values(), Counter())
    print(f"{'module':<34} {'mutants':>7} {'killed':>7} {'survived':>8} {'timeouts':>8} {'other':>6} {'score':>7}")
    for module, c in counts.items():
        print(row(module, c))
    print(row("total", total))
    print(f"run time {time.monotonic() - started:.0f} s ({TOOL}); score = (killed + timeouts) / mutants, "
          f"equivalent survivors included")


if __name__ == "__main__":
    main()
