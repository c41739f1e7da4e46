/** The one stylesheet: system fonts, no web fonts or images, fast on a Chromebook. */
export const STYLE_CSS = `
:root {
  --bg: #f4f6f8; --panel: #fff; --text: #1b2430; --muted: #5a6675; --line: #d8dee6;
  --accent: #1f5fbf; --accent-dark: #174a96; --accent-soft: #e6eefb;
  --ok: #1d7a46; --ok-soft: #e3f4ea; --warn: #8a5a00; --warn-soft: #fdf2d8; --bad: #b3261e; --bad-soft: #fbe9e7;
  --focus: #ffbf47; --radius: 8px;
  color-scheme: light;
}
* { box-sizing: border-box; }
html { font-size: 100%; }
body { margin: 0; background: var(--bg); color: var(--text);
  font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif; }
a { color: var(--accent); }
a:hover { color: var(--accent-dark); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; box-shadow: 0 0 0 5px var(--text); border-radius: 3px; }
main:focus { outline: none; }
h1 { font-size: 1.6rem; line-height: 1.25; margin: 0 0 .75rem; }
h2 { font-size: 1.2rem; margin: 1.5rem 0 .5rem; }
.skip { position: absolute; left: -999px; top: 0; background: var(--panel); padding: .5rem 1rem; z-index: 10; }
.skip:focus { left: .5rem; top: .5rem; }
.visually-hidden { position: absolute !important; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }

.top { display: flex; align-items: center; gap: 1.5rem; flex-wrap: wrap; background: #15233a; color: #fff; padding: .6rem 1.25rem; }
.brand { display: flex; align-items: center; gap: .5rem; color: #fff; text-decoration: none; font-weight: 700; font-size: 1.1rem; }
.brand:hover { color: #fff; }
.logo { display: inline-grid; place-items: center; width: 2rem; height: 2rem; border-radius: 6px; background: var(--accent); font-size: .85rem; letter-spacing: .03em; }
.top nav ul { display: flex; gap: .25rem; list-style: none; margin: 0; padding: 0; flex-wrap: wrap; }
.top nav a { display: block; color: #dfe7f3; text-decoration: none; padding: .4rem .75rem; border-radius: 6px; }
.top nav a:hover { background: #22385a; color: #fff; }
.top nav a[aria-current="page"] { background: #fff; color: #15233a; font-weight: 600; }
.signout { margin-left: auto; display: flex; align-items: center; gap: .75rem; }
.who { color: #dfe7f3; font-size: .95rem; }
.role { display: inline-block; font-size: .75rem; text-transform: uppercase; letter-spacing: .05em; background: #2b4468; color: #fff; border-radius: 4px; padding: 0 .4rem; margin-left: .25rem; }
button.link { background: none; border: 1px solid #6b81a3; color: #fff; border-radius: 6px; padding: .3rem .8rem; font: inherit; cursor: pointer; }
button.link:hover { background: #22385a; }

main { max-width: 70rem; margin: 0 auto; padding: 1.5rem 1.25rem 3rem; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: var(--radius); padding: 1.25rem 1.5rem; margin-bottom: 1.25rem; }
.panel > :first-child, .panel > :first-child > :first-child { margin-top: 0; }
.narrow { max-width: 28rem; margin: 3rem auto; }
.muted { color: var(--muted); }
.small { font-size: .875rem; }
.block { display: block; }

label { display: block; font-weight: 600; margin-bottom: .25rem; }
input[type=text], input[type=search], input[type=password], select {
  width: 100%; font: inherit; padding: .55rem .7rem; border: 1px solid #8a96a6; border-radius: 6px; background: #fff; color: var(--text); }
input:focus-visible, select:focus-visible { border-color: var(--accent); }
.field { margin-bottom: 1rem; }
.btn { display: inline-block; font: inherit; font-weight: 600; padding: .55rem 1.1rem; border-radius: 6px; border: 1px solid var(--accent);
  background: var(--accent); color: #fff; cursor: pointer; text-decoration: none; }
.btn:hover { background: var(--accent-dark); color: #fff; }
.btn.secondary { background: #fff; color: var(--accent); }
.btn.secondary:hover { background: var(--accent-soft); }
.btn.danger { background: #fff; color: var(--bad); border-color: var(--bad); }
.btn.small { padding: .25rem .7rem; font-size: .875rem; }
.alert { border-radius: 6px; padding: .75rem 1rem; margin-bottom: 1rem; border: 1px solid; }
.alert.error { background: var(--bad-soft); border-color: #e3a19b; color: #7a1a14; }
.alert.info { background: var(--accent-soft); border-color: #a9c2ea; }
.alert.ok { background: var(--ok-soft); border-color: #9fd3b4; }
.alert.warn { background: var(--warn-soft); border-color: #e5c77d; color: #5c3c00; }
.tabs { display: flex; flex-wrap: wrap; gap: .25rem .75rem; list-style: none; margin: 0 0 .75rem; padding: 0; }
.tabs a[aria-current] { font-weight: 600; text-decoration: none; color: var(--text); }
.suggestions { list-style: none; margin: .75rem 0 0; padding: 0; display: grid; gap: .5rem; }
.pager { display: flex; gap: 1rem; align-items: center; margin-top: .75rem; }

.search-form { display: grid; grid-template-columns: minmax(14rem, 1fr) repeat(3, minmax(8rem, 11rem)) auto; gap: .75rem; align-items: end; }
.search-form .field { margin: 0; }
@media (max-width: 800px) { .search-form { grid-template-columns: 1fr 1fr; } .search-form .q { grid-column: 1 / -1; } }
.count { color: var(--muted); margin: 1rem 0 .5rem; }
.results { list-style: none; margin: 0; padding: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(min(19rem, 100%), 1fr)); gap: .6rem; }
.results a { display: flex; gap: .8rem; align-items: center; padding: .6rem; background: var(--panel); border: 1px solid var(--line);
  border-radius: var(--radius); text-decoration: none; color: var(--text); min-height: 4.5rem; }
.results a:hover { border-color: var(--accent); background: #fafcff; }
.results img { width: 56px; height: 56px; object-fit: cover; border-radius: 6px; background: #e7ebf0; flex: none; }
.results .name { font-weight: 600; display: block; }
.results .meta { color: var(--muted); font-size: .875rem; display: block; }
.inactive .name { color: var(--muted); }
.badge { display: inline-block; font-size: .75rem; font-weight: 600; border-radius: 4px; padding: 0 .45rem; vertical-align: middle; }
.badge.off { background: #eceff3; color: #4b5563; }
.badge.on { background: var(--ok-soft); color: var(--ok); }
.badge.warn { background: var(--warn-soft); color: var(--warn); }
.badge.bad { background: var(--bad-soft); color: var(--bad); }

.profile { display: grid; grid-template-columns: 260px 1fr; gap: 1.5rem; align-items: start; }
@media (max-width: 700px) { .profile { grid-template-columns: 1fr; } }
.portrait { width: 240px; max-width: 100%; height: auto; border-radius: var(--radius); border: 1px solid var(--line); background: #e7ebf0; display: block; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .35rem 1.25rem; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }

table { width: 100%; border-collapse: collapse; background: var(--panel); font-size: .95rem; }
th, td { text-align: left; padding: .5rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #eef2f6; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.table-wrap { position: relative; overflow-x: auto; border: 1px solid var(--line); border-radius: var(--radius); }
.table-wrap table { border: 0; }
.stats { display: grid; grid-template-columns: repeat(auto-fill, minmax(11rem, 1fr)); gap: .75rem; margin-bottom: 1.25rem; }
.stat { background: var(--panel); border: 1px solid var(--line); border-radius: var(--radius); padding: .8rem 1rem; }
.stat .value { display: block; font-size: 1.6rem; font-weight: 700; font-variant-numeric: tabular-nums; }
.stat .label { color: var(--muted); font-size: .9rem; }
code, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: .875rem; overflow-wrap: anywhere; }
pre { background: #15233a; color: #e8eef7; padding: .75rem 1rem; border-radius: 6px; overflow-x: auto; font-size: .85rem; }
.inline-form { display: inline; }
.actions { display: flex; gap: .5rem; flex-wrap: wrap; }
.filters { display: flex; gap: .75rem; align-items: end; flex-wrap: wrap; margin-bottom: 1rem; }
.filters .field { margin: 0; min-width: 12rem; }
`;
