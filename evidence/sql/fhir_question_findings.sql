-- Which findings each question rests on, for the FHIR export.
select question_id, finding_id from question_findings order by question_id, finding_id
