-- Findings with the names of their terms, source and document: one place for the joins that the
-- Summary-of-Findings tables, the FHIR export and the finding pages all need.
CREATE VIEW findings_labelled AS
SELECT
    f.*,
    c.label AS condition_label,
    o.label AS outcome_label,
    t.label AS intervention_type_label,
    s.label AS source_label,
    d.label AS document_label,
    ov.desirable AS outcome_desirable
FROM findings f
JOIN conditions c ON c.id = f.condition
JOIN outcomes o ON o.id = f.outcome
JOIN intervention_types t ON t.id = f.intervention_type
JOIN sources s ON s.id = f.source_id
JOIN documents d ON d.id = f.source_document
LEFT JOIN vocabulary ov ON ov.kind = 'outcome' AND ov.id = f.outcome;
