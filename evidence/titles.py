"""What each table is called where a reader sees it: the site's pages and links, the changes pages,
`evidence diff` and the changelog. Declared once here (the site translates them with i18n); a table
not listed is called by its name ("study_results" -> "Study results")."""

from __future__ import annotations

TABLE_TITLES = {
    "findings": "Findings", "sources": "Sources", "economic_evaluations": "Economic evaluations",
    "conditions": "Conditions", "intervention_types": "Intervention types", "outcomes": "Outcomes",
    "vocabulary": "Vocabulary", "documents": "Documents", "changes": "Changes", "build_info": "Build",
    "questions": "Guideline modules", "recommendations": "Recommendations", "considerations": "Considerations",
    "question_findings": "Findings behind the guideline", "study_results": "Study results",
    "findings_labelled": "Findings with their names",
    "counted_findings": "Findings, each result counted once", "counted_economic_evaluations":
        "Economic evaluations, each result counted once", "condition_lineage": "Conditions and their broader conditions",
}
