-- How much of the guideline is curated: modules (questions) and recommendations.
select (select count(*) from questions) as modules, (select count(*) from recommendations) as recommendations
