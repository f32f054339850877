//! `report.html`: one self-contained, printable HTML file per run set: the scenario, how to
//! reproduce it, the summary table, the fit to observations (when there are any), the key
//! events, the charts (inline SVG), the loss by sector and component, the organisations with
//! the largest loss and the resolved scenario.
//!
//! It knows HTML and CSS, and takes finished statistics and charts; it knows nothing of files,
//! plotters or the terminal. The page makes no external request of any kind (no CDN, web
//! font, script or image URL), so it opens offline and archives as one file. Every piece of
//! text from results or scenarios goes through [`escape`].

use std::fmt::Write as _;

use super::RunSet;
use super::charts::Chart;
use super::fit::{fit, row_text};
use super::fmt;
use super::stats::{Stats, sector_means};
use super::table::{Row, sections};

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The style sheet: a system font stack, one readable column, quiet tables, and print rules
/// that keep figures and tables whole. Public so that other report pages (comparisons,
/// sweeps) look the same.
pub const CSS: &str = r#"
:root { --text: #1f2328; --muted: #59636e; --rule: #d0d7de; --soft: #f6f8fa; --accent: #0b5cad; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: #fff; color: var(--text); line-height: 1.5;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif; }
main { max-width: 1000px; margin: 0 auto; padding: 40px 28px 72px; }
.kicker { margin: 0; color: var(--muted); font-size: .8rem; letter-spacing: .08em; text-transform: uppercase; }
h1 { font-size: 2.1rem; line-height: 1.2; margin: .25em 0 .35em; }
h2 { font-size: 1.35rem; margin: 2.4em 0 .7em; padding-bottom: .3em; border-bottom: 1px solid var(--rule); }
.lead { font-size: 1.1rem; margin: 0 0 1.2em; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .25em 1.5em; margin: 0 0 1.2em; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: .88rem; }
pre { background: var(--soft); border: 1px solid var(--rule); border-radius: 6px; padding: 12px 14px; overflow-x: auto; }
pre.command { white-space: pre-wrap; word-break: break-all; user-select: all; }
table { width: 100%; border-collapse: collapse; font-size: .95rem; font-variant-numeric: tabular-nums; }
caption { caption-side: bottom; text-align: left; color: var(--muted); font-size: .85rem; padding-top: .5em; }
th, td { padding: 5px 10px; text-align: left; vertical-align: baseline; border-bottom: 1px solid #eaeef2; }
thead th { border-bottom: 2px solid var(--rule); font-weight: 600; }
.num { text-align: right; white-space: nowrap; }
.muted, td.ci, td.note { color: var(--muted); }
tr.section th { background: var(--soft); font-weight: 600; padding-top: 8px; }
tr.heading td { color: var(--muted); font-style: italic; }
tr.sub td:first-child { padding-left: 30px; }
tr.total td { font-weight: 600; border-top: 2px solid var(--rule); }
td:first-child { white-space: nowrap; }
ol.events { list-style: none; margin: 0; padding: 0; }
ol.events li { display: grid; grid-template-columns: 7.5em 12em 1fr; gap: 1em; padding: 5px 0; border-bottom: 1px solid #eaeef2; font-variant-numeric: tabular-nums; }
ol.events .rel { text-align: right; font-weight: 600; }
figure { margin: 1.6em 0 2.2em; }
figure svg { display: block; width: 100%; height: auto; border: 1px solid #eaeef2; border-radius: 6px; }
figcaption { margin-top: .45em; color: var(--muted); font-size: .9rem; }
details summary { cursor: pointer; color: var(--accent); }
details pre { margin-top: .8em; }
footer { margin-top: 3.5em; padding-top: 1em; border-top: 1px solid var(--rule); color: var(--muted); font-size: .85rem; }
@media print {
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid; }
  figure, table, ol.events li { break-inside: avoid; }
  pre { white-space: pre-wrap; }
}
"#;

/// Preformatted text shown in a report after its header: a tabletop session's debrief, its
/// decisions and its transcript.
#[derive(Clone, Debug, PartialEq)]
pub struct TextSection {
    /// The section's `id`, for links.
    pub id: String,
    pub title: String,
    pub text: String,
    /// Behind a "show" toggle, for long texts.
    pub folded: bool,
}

/// The whole report as one HTML document. `stats` are the summary statistics of `set` (as
/// [`summarize`](super::stats::summarize) gives them) and `charts` are inlined in the given
/// order, each as SVG markup with its title as caption.
pub fn report_html(set: &RunSet, stats: &Stats, charts: &[Chart]) -> String {
    report_html_with(set, stats, charts, &[])
}

/// [`report_html`] with sections of text after the header.
pub fn report_html_with(
    set: &RunSet,
    stats: &Stats,
    charts: &[Chart],
    texts: &[TextSection],
) -> String {
    let meta = &set.meta;
    let reps = set.runs.len();
    let mut h =
        String::with_capacity(64 * 1024 + charts.iter().map(|c| c.svg.len()).sum::<usize>());
    // Writing to a String cannot fail, so the results of `write!` are ignored throughout.
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{} - blastradius report</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n",
        escape(&meta.scenario)
    );

    // The scenario and how to reproduce it.
    let _ = write!(
        h,
        "<header>\n<p class=\"kicker\">blastradius report</p>\n<h1>{}</h1>\n<p class=\"lead\">{}</p>\n",
        escape(&meta.scenario),
        escape(&meta.description)
    );
    h.push_str("<dl class=\"meta\">\n");
    let facts = [
        ("Seed", meta.seed.to_string()),
        ("Replications", reps.to_string()),
        ("Simulated start", fmt::utc_datetime(meta.start_unix_s, 0.0)),
        ("Horizon", fmt::duration(meta.horizon_s)),
        ("Program", meta.program.clone()),
    ];
    for (k, v) in facts {
        let _ = writeln!(h, "<dt>{}</dt><dd>{}</dd>", escape(k), escape(&v));
    }
    h.push_str("</dl>\n<p>Reproduce these results exactly:</p>\n");
    let _ = write!(
        h,
        "<pre class=\"command\"><code>{}</code></pre>\n</header>\n",
        escape(&meta.command)
    );

    for t in texts {
        text_section(&mut h, t);
    }
    summary_section(&mut h, set, stats);
    fit_section(&mut h, set, stats);
    events_section(&mut h, set);
    if !charts.is_empty() {
        h.push_str("<section id=\"charts\">\n<h2>Charts</h2>\n");
        for (i, chart) in charts.iter().enumerate() {
            let _ = write!(
                h,
                "<figure id=\"chart-{}\">\n{}\n<figcaption>Figure {}: {}</figcaption>\n</figure>\n",
                escape(&chart.name),
                inline_svg(&chart.svg, &chart.title),
                i + 1,
                escape(&chart.title)
            );
        }
        h.push_str("</section>\n");
    }
    loss_section(&mut h, set);
    organisations_section(&mut h, set);

    h.push_str("<section id=\"scenario\">\n<h2>Resolved scenario</h2>\n");
    h.push_str(
        "<p>Every default filled in and every <code>extends</code> merged: with the seed above, \
         this file reproduces the run.</p>\n",
    );
    let _ = write!(
        h,
        "<details>\n<summary>Show the resolved scenario (RON)</summary>\n<pre><code>{}</code></pre>\n</details>\n</section>\n",
        escape(&meta.resolved_ron)
    );
    let _ = write!(
        h,
        "<footer>Made by {}. The same scenario and seed give the same report, byte for byte.</footer>\n\
         </main>\n</body>\n</html>\n",
        escape(&meta.program)
    );
    h
}

fn text_section(h: &mut String, t: &TextSection) {
    let _ = writeln!(h, "<section id=\"{}\">\n<h2>{}</h2>", escape(&t.id), escape(&t.title));
    let pre = format!("<pre class=\"text\"><code>{}</code></pre>", escape(&t.text));
    if t.folded {
        let _ = writeln!(
            h,
            "<details>\n<summary>Show the {}</summary>\n{pre}\n</details>",
            escape(&t.title.to_lowercase())
        );
    } else {
        h.push_str(&pre);
        h.push('\n');
    }
    h.push_str("</section>\n");
}

fn summary_section(h: &mut String, set: &RunSet, stats: &Stats) {
    let sections = sections(set, stats);
    let rows = || sections.iter().flat_map(|s| s.rows.iter());
    let with_ci = rows().any(|r| r.ci.is_some());
    let with_note = rows().any(|r| r.note.is_some());
    let columns = 2 + usize::from(with_ci) + usize::from(with_note);
    h.push_str("<section id=\"summary\">\n<h2>Summary</h2>\n<table class=\"summary\">\n<thead><tr><th></th>");
    h.push_str(if set.runs.len() > 1 {
        "<th class=\"num\">Mean</th>"
    } else {
        "<th class=\"num\">Value</th>"
    });
    if with_ci {
        h.push_str("<th>95% CI for the mean</th>");
    }
    if with_note {
        h.push_str("<th></th>");
    }
    h.push_str("</tr></thead>\n");
    for section in &sections {
        let _ = writeln!(
            h,
            "<tbody>\n<tr class=\"section\"><th colspan=\"{columns}\">{}</th></tr>",
            escape(section.title)
        );
        for row in &section.rows {
            summary_row(h, row, with_ci, with_note, columns);
        }
        h.push_str("</tbody>\n");
    }
    let caption = if set.runs.len() > 1 {
        "Times are after the first publication of the faulty content. Intervals are 95% \
         Student t intervals for the mean over replications."
    } else {
        "Times are after the first publication of the faulty content."
    };
    let _ = write!(h, "<caption>{caption}</caption>\n</table>\n</section>\n");
}

fn summary_row(h: &mut String, row: &Row, with_ci: bool, with_note: bool, columns: usize) {
    if row.value.is_empty() {
        let _ = writeln!(
            h,
            "<tr class=\"heading\"><td colspan=\"{columns}\">{}</td></tr>",
            escape(&row.label)
        );
        return;
    }
    let class = if row.indent > 0 { " class=\"sub\"" } else { "" };
    let _ = write!(
        h,
        "<tr{class}><td>{}</td><td class=\"num\">{}</td>",
        escape(&row.label),
        escape(&row.value)
    );
    if with_ci {
        let _ = write!(h, "<td class=\"ci\">{}</td>", escape(row.ci.as_deref().unwrap_or("")));
    }
    if with_note {
        let _ = write!(h, "<td class=\"note\">{}</td>", escape(row.note.as_deref().unwrap_or("")));
    }
    h.push_str("</tr>\n");
}

/// The fit to observations, when there are any: the terminal section's rows as a table, with
/// each observation's source.
fn fit_section(h: &mut String, set: &RunSet, stats: &Stats) {
    let rows = fit(set, stats);
    if rows.is_empty() {
        return;
    }
    h.push_str("<section id=\"fit\">\n<h2>Fit to observations</h2>\n<table class=\"fit\">\n");
    h.push_str(
        "<thead><tr><th>Observation</th><th class=\"num\">Simulated</th><th>95% CI</th>\
         <th>Observed</th><th>Fit</th><th>Source</th></tr></thead>\n<tbody>\n",
    );
    for row in &rows {
        let t = row_text(row, set.runs.len());
        let _ = write!(h, "<tr><td>{}</td>", escape(&t.name));
        if t.observed.is_empty() {
            let _ = write!(h, "<td colspan=\"4\" class=\"note\">{}</td>", escape(&t.verdict));
        } else {
            let mut ci = t.ci.clone().unwrap_or_default();
            if let Some(note) = &t.note {
                ci = format!("{ci} ({note})").trim_start().to_string();
            }
            let _ = write!(
                h,
                "<td class=\"num\">{}</td><td class=\"ci\">{}</td><td>{}</td><td>{}</td>",
                escape(&t.simulated),
                escape(&ci),
                escape(&t.observed),
                escape(&t.verdict)
            );
        }
        let _ = writeln!(h, "<td class=\"note\">{}</td></tr>", escape(&row.source));
    }
    let caption = "Each observation beside the figure it observes: \"holds\" when the simulated \
                   mean lies in the observed band. Times are after the first publication of the \
                   faulty content; a time never reached counts as later than the run.";
    let _ = write!(h, "</tbody>\n<caption>{caption}</caption>\n</table>\n</section>\n");
}

fn events_section(h: &mut String, set: &RunSet) {
    let Some(first) = set.runs.first() else { return };
    let start = set.meta.start_unix_s;
    h.push_str("<section id=\"events\">\n<h2>Key events</h2>\n");
    if first.key_events.is_empty() {
        h.push_str("<p class=\"muted\">No key events.</p>\n</section>\n");
        return;
    }
    let note = if set.runs.len() > 1 { " (replication 0)" } else { "" };
    let _ = writeln!(
        h,
        "<p class=\"muted\">Time after the simulated start, UTC clock time, and what happened{note}.</p>"
    );
    h.push_str("<ol class=\"events\">\n");
    for e in &first.key_events {
        let _ = writeln!(
            h,
            "<li><span class=\"rel\">+{}</span><span class=\"utc\">{}</span><span>{}</span></li>",
            escape(&fmt::duration(e.at_s)),
            escape(&fmt::utc_format(start, e.at_s, "%a %-d %b %H:%M UTC")),
            escape(&e.label)
        );
    }
    h.push_str("</ol>\n</section>\n");
}

fn loss_section(h: &mut String, set: &RunSet) {
    let means = sector_means(&set.runs);
    if means.is_empty() {
        return;
    }
    h.push_str("<section id=\"loss\">\n<h2>Loss by sector and component</h2>\n<table>\n");
    h.push_str(
        "<thead><tr><th>Sector</th><th class=\"num\">Organisations</th>\
         <th class=\"num\">Endpoints crashed</th><th class=\"num\">Lost revenue</th>\
         <th class=\"num\">Recovery labour</th><th class=\"num\">Penalties</th>\
         <th class=\"num\">Backlog</th><th class=\"num\">Idle staff</th>\
         <th class=\"num\">Total</th></tr></thead>\n<tbody>\n",
    );
    let cells = |label: &str, m: [f64; 8]| {
        format!(
            "<td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td>",
            escape(label),
            fmt::thousands(m[0]),
            fmt::thousands(m[1]),
            fmt::money(m[2]),
            fmt::money(m[3]),
            fmt::money(m[4]),
            fmt::money(m[5]),
            fmt::money(m[6]),
            fmt::money(m[7]),
        )
    };
    let mut total = [0.0; 8];
    for m in &means {
        let row = [
            m.organisations,
            m.crashed,
            m.revenue_usd,
            m.labour_usd,
            m.penalties_usd,
            m.backlog_usd,
            m.productivity_usd,
            m.total_usd(),
        ];
        for (t, v) in total.iter_mut().zip(row) {
            *t += v;
        }
        let _ = writeln!(h, "<tr>{}</tr>", cells(m.sector.name(), row));
    }
    let _ = writeln!(h, "<tr class=\"total\">{}</tr>", cells("all sectors", total));
    let caption = match set.runs.len() {
        1 => "One replication.".to_string(),
        n => format!("Means over {n} replications."),
    };
    let _ = write!(h, "</tbody>\n<caption>{}</caption>\n</table>\n</section>\n", escape(&caption));
}

fn organisations_section(h: &mut String, set: &RunSet) {
    let Some(first) = set.runs.first() else { return };
    if first.top_orgs.is_empty() {
        return;
    }
    h.push_str(
        "<section id=\"organisations\">\n<h2>Organisations with the largest loss</h2>\n<table>\n",
    );
    h.push_str(
        "<thead><tr><th class=\"num\">#</th><th>Organisation</th><th>Sector</th>\
         <th class=\"num\">Endpoints</th><th class=\"num\">Crashed</th>\
         <th class=\"num\">Downtime (endpoint-hours)</th><th class=\"num\">Loss</th></tr></thead>\n<tbody>\n",
    );
    for (i, o) in first.top_orgs.iter().enumerate() {
        let _ = writeln!(
            h,
            "<tr><td class=\"num\">{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            i + 1,
            escape(&o.name),
            escape(o.sector.name()),
            fmt::thousands(o.endpoints as f64),
            fmt::thousands(o.crashed as f64),
            fmt::thousands(o.downtime_hours),
            fmt::money(o.loss_usd),
        );
    }
    let caption = if set.runs.len() > 1 { "Replication 0." } else { "" };
    let _ = write!(h, "</tbody>\n<caption>{caption}</caption>\n</table>\n</section>\n");
}

/// A standalone SVG document made fit for inlining: the root tag keeps only its `viewBox`
/// (the CSS makes it fluid), gains an accessible name, and drops the namespace declaration,
/// which HTML does not need and which is the only URL plotters writes.
fn inline_svg(svg: &str, title: &str) -> String {
    let Some(open) = svg.find("<svg") else { return String::new() };
    let Some(close) = svg[open..].find('>').map(|i| open + i) else { return String::new() };
    let tag = &svg[open..close];
    let attr = |name: &str| {
        let key = format!("{name}=\"");
        let at = tag.find(&key)? + key.len();
        let end = tag[at..].find('"')? + at;
        Some(tag[at..end].to_string())
    };
    let view_box = attr("viewBox").unwrap_or_else(|| {
        format!("0 0 {} {}", attr("width").unwrap_or_default(), attr("height").unwrap_or_default())
    });
    let rest = svg[close + 1..].trim_end();
    format!(
        "<svg viewBox=\"{}\" role=\"img\" aria-label=\"{}\">{}",
        escape(&view_box),
        escape(title),
        rest
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::run_charts;
    use crate::stats::summarize;
    use crate::testing::{sample_set, set_of};

    #[test]
    fn escape_covers_markup_characters() {
        assert_eq!(
            escape("a < b && c > \"d\" 'e'"),
            "a &lt; b &amp;&amp; c &gt; &quot;d&quot; &#39;e&#39;"
        );
        assert_eq!(escape("plain, ünïcødé"), "plain, ünïcødé");
        assert_eq!(escape(""), "");
    }

    fn report(reps: u64) -> (RunSet, Vec<Chart>, String) {
        let mut set = sample_set(reps, 3);
        set.meta.resolved_ron.push_str("// source: https://example.org/<facts>\n");
        let charts = run_charts(&set).unwrap();
        let html = report_html(&set, &summarize(&set.runs), &charts);
        (set, charts, html)
    }

    #[test]
    fn no_external_requests() {
        let (set, _, html) = report(3);
        // The only URL allowed is inside the escaped resolved scenario text.
        let ron = escape(&set.meta.resolved_ron);
        assert!(html.contains(&ron));
        let outside = html.replace(&ron, "");
        assert!(!outside.contains("http://") && !outside.contains("https://"), "external URL");
        for bad in ["<script", "<link", "<img", "@import", "url(", "@font-face", "<iframe"] {
            assert!(!outside.contains(bad), "{bad}");
        }
    }

    #[test]
    fn contains_every_part() {
        let (set, charts, html) = report(3);
        assert!(html.starts_with("<!DOCTYPE html>") && html.ends_with("</html>\n"));
        for c in &charts {
            assert!(html.contains(&format!(": {}</figcaption>", escape(&c.title))), "{}", c.title);
            assert!(html.contains(&format!("aria-label=\"{}\"", escape(&c.title))));
        }
        assert_eq!(html.matches("<svg ").count(), charts.len());
        assert_eq!(html.matches("</svg>").count(), charts.len());
        assert!(html.contains("<h1>synthetic-outage</h1>"));
        // The description and command are escaped, not interpreted.
        assert!(html.contains("airlines, hospitals &amp; banks &lt;crash&gt;."));
        assert!(html.contains(&format!(
            "<pre class=\"command\"><code>{}</code></pre>",
            escape(&set.meta.command)
        )));
        assert!(html.contains("--out &quot;r&amp;d&quot;"));
        assert!(html.contains("<dd>20240719</dd>"));
        assert!(html.contains("<dd>blastradius 0.1.0</dd>"));
        assert!(html.contains("<dd>Fri 19 Jul 2024 04:09 UTC</dd>"));
        // Key events with relative and UTC times.
        assert!(html.contains("<span class=\"rel\">+1h 18m</span><span class=\"utc\">Fri 19 Jul 05:27 UTC</span><span>revert published</span>"));
        // Loss by sector with a total row, and the top organisations.
        assert!(html.contains("<td>hospital</td>") && html.contains("<td>all sectors</td>"));
        assert!(html.contains("<td>airline-1</td>"));
        assert!(html.contains("<details>") && html.contains("(RON)"));
        assert!(html.contains("95% CI for the mean"));
    }

    #[test]
    fn the_fit_follows_the_summary_with_escaped_text_and_only_when_observed() {
        use blastradius_model::Metric;
        use blastradius_model::figures::{Observation, Observed};
        let (_, _, plain) = report(3);
        assert!(!plain.contains("id=\"fit\""));
        let mut set = sample_set(3, 3);
        set.observed = vec![
            Observed::Applies(Observation {
                name: "crashed <all>".into(),
                figure: Metric::EndpointsCrashed.into(),
                low: Some(1.0),
                high: Some(2.0),
                source: "the vendor & \"friends\"".into(),
            }),
            Observed::NotApplicable {
                name: "delta".into(),
                source: "press".into(),
                reason: "no archetype \"delta_like\"".into(),
            },
        ];
        let html = report_html(&set, &summarize(&set.runs), &[]);
        let (summary, fit, events) = (
            html.find("<section id=\"summary\">").unwrap(),
            html.find("<section id=\"fit\">").unwrap(),
            html.find("<section id=\"events\">").unwrap(),
        );
        assert!(summary < fit && fit < events);
        assert!(html.contains("<td>crashed &lt;all&gt;</td>"));
        assert!(html.contains("<td>1 to 2</td><td>off</td><td class=\"note\">the vendor &amp; &quot;friends&quot;</td>"));
        assert!(html.contains("<td colspan=\"4\" class=\"note\">not applicable: no archetype &quot;delta_like&quot;</td>"));
    }

    #[test]
    fn text_sections_follow_the_header_escaped_and_folded_when_asked() {
        let set = sample_set(1, 3);
        let texts = [
            TextSection {
                id: "debrief".into(),
                title: "Debrief".into(),
                text: "saved 41% <of> downtime & $380M".into(),
                folded: false,
            },
            TextSection {
                id: "transcript".into(),
                title: "Session transcript".into(),
                text: "tabletop> next".into(),
                folded: true,
            },
        ];
        let html = report_html_with(&set, &summarize(&set.runs), &[], &texts);
        let debrief = html.find("<section id=\"debrief\">").unwrap();
        let transcript = html.find("<section id=\"transcript\">").unwrap();
        let summary = html.find("<section id=\"summary\">").unwrap();
        assert!(html.find("</header>").unwrap() < debrief);
        assert!(debrief < transcript && transcript < summary);
        assert!(html.contains(
            "<pre class=\"text\"><code>saved 41% &lt;of&gt; downtime &amp; $380M</code></pre>"
        ));
        assert!(html.contains(
            "<details>\n<summary>Show the session transcript</summary>\n\
             <pre class=\"text\"><code>tabletop&gt; next</code></pre>\n</details>"
        ));
        // Without sections, the report is the plain one.
        assert_eq!(
            report_html_with(&set, &summarize(&set.runs), &[], &[]),
            report_html(&set, &summarize(&set.runs), &[])
        );
    }

    #[test]
    fn one_replication_has_no_interval_column() {
        let (_, _, html) = report(1);
        assert!(!html.contains("95% CI for the mean"));
        assert!(html.contains("<th class=\"num\">Value</th>"));
    }

    #[test]
    fn deterministic() {
        let (_, _, a) = report(2);
        let (_, _, b) = report(2);
        assert_eq!(a, b);
    }

    #[test]
    fn empty_set_still_renders() {
        let set = set_of(Vec::new(), 1);
        let html = report_html(&set, &Stats::new(), &[]);
        assert!(html.contains("<h2>Summary</h2>") && html.ends_with("</html>\n"));
    }

    #[test]
    fn inline_svg_keeps_the_view_box_only() {
        let svg = "<svg width=\"10\" height=\"5\" viewBox=\"0 0 10 5\" xmlns=\"http://www.w3.org/2000/svg\">\n<rect/>\n</svg>\n";
        assert_eq!(
            inline_svg(svg, "A & B"),
            "<svg viewBox=\"0 0 10 5\" role=\"img\" aria-label=\"A &amp; B\">\n<rect/>\n</svg>"
        );
    }
}
