"""Reports (统计报表): figures over a date range, grouped by interval, hour, day, week or month
and filtered by branch, queue, agent, campaign and business type. Each report is a function
`(session, ReportQuery, Principal) -> ReportTable` in its own module, named in `registry.py`;
the HTTP face, the exports and the scheduled reports read every report the same way."""
