// The explorer's page (traces/explorer.hpp): the trace view's styles, error sink and panel
// (traces/html_page.hpp), and a script that walks the model through the server's API.
//
// What the page shows: the model (protocol, parameters, where it came from), the path walked so
// far (each step a sentence; clicking one goes back to it), the enabled actions from the last
// state as sentences (each marked where it leads beyond the bounds or to a violation; clicking
// one takes it), each property's status along the path, the state as the trace view's panel
// draws it, and the block `lockstep show` prints for the step. Buttons: Back (or Backspace),
// Restart, Check (runs `check` and jumps to its counterexample; Stop check, while it runs, ends it
// with the figures so far), and Load trace (an ITF file,
// walked from its last step). A path walked by hand is in the page's address (#path=0.3.1: the
// initial state's index, then each action's), so that a reload or a shared link walks it again.
// <body data-status> is "busy" while a request is out and "ready"
// once its answer is drawn; a request that fails says why in #notice (class "error").
#include "traces/explorer.hpp"
#include "traces/html_page.hpp"

namespace lockstep {

namespace {

const char explorer_style[] = R"css(
header .toolbar { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin-top: 6px; }
header button, header label.load { font: inherit; font-size: 13px; padding: 3px 10px; border: 1px solid var(--line);
                                   border-radius: 4px; background: #f6f7fa; cursor: pointer; }
header button:disabled { opacity: 0.5; cursor: default; }
header label.load input { display: none; }
#model-line { margin: 0; color: var(--faint); font-size: 13px; }
header details { font-size: 12px; color: var(--faint); }
#parameters { max-height: 240px; overflow: auto; margin: 2px 0; }
#notice { font-size: 13px; }
#notice.error { color: var(--red); font-weight: 600; }
#notice.found { color: var(--red); }
#notice.passed { color: var(--green); }
#explorer { display: grid; grid-template-columns: minmax(0, 1fr) minmax(380px, 1fr); }
#walk { padding: 10px 16px; border-right: 1px solid var(--line); font-size: 13px; }
#walk h2 { font-size: 15px; margin: 8px 0 4px 0; }
#path { margin: 0; padding-left: 0; list-style: none; }
#path li { padding: 2px 4px; cursor: pointer; border-radius: 3px; }
#path li:hover { background: var(--hi); }
#path li.current { font-weight: 600; background: #eef2fb; }
#path li .index { color: var(--faint); display: inline-block; min-width: 30px; }
#path li.unreplayed { background: #fdecea; }
#enabled { margin: 0; padding: 0; list-style: none; }
#enabled li { margin: 2px 0; }
#enabled button.action { font: inherit; text-align: left; width: 100%; padding: 4px 8px; border: 1px solid var(--line);
                         border-radius: 4px; background: #fff; cursor: pointer; }
#enabled button.action:hover { background: var(--hi); }
#enabled .key { color: var(--faint); display: inline-block; min-width: 22px; }
.badge { display: inline-block; margin-left: 6px; padding: 0 5px; border-radius: 3px; font-size: 11px; }
.badge.violates { background: #fdecea; color: var(--red); font-weight: 600; }
.badge.beyond { background: #eef0f4; color: var(--faint); }
#properties { border-collapse: collapse; font-size: 12px; margin-bottom: 6px; }
#properties td { padding: 2px 6px; vertical-align: top; }
#properties .status-holds, #properties .status-reached { color: var(--green); }
#properties .status-violated, #properties .status-violated-earlier { color: var(--red); font-weight: 600; }
#properties .status-not-reached { color: var(--faint); }
#show-text { font-family: ui-monospace, monospace; font-size: 12px; background: #f6f7fa; padding: 6px 8px;
             white-space: pre-wrap; margin: 4px 0; }
.beyond-note { color: var(--faint); font-style: italic; }
)css";

const char explorer_script[] = R"js(
(function () {
  'use strict';
  const html = lockstepPanel.html;
  const body = document.body;
  let session = null;  // GET /api/session
  let modelId = 0;
  let path = [];       // [{action, state}], path[0] an initial state (action null)
  // The walk as choices (the initial state's index, then each enabled action's), while it was
  // walked by hand on model 0: the page's address says them (#path=0.3.1), so that a reload or a
  // link shown to someone else walks the same path again.
  let choices = [];
  let view = null;     // POST /api/view's answer for `path`
  const termColour = lockstepPanel.termColourer([]);  // one colour per term, for the whole walk
  let pending = 0;

  function busy(on) {
    pending += on ? 1 : -1;
    body.setAttribute('data-status', pending > 0 ? 'busy' : 'ready');
    for (const button of document.querySelectorAll('header button:not(#stop)')) button.disabled = pending > 0;
    // Check runs on the command line's model only (a loaded trace's may have other bounds).
    if (session && !model().checkable) document.getElementById('check').disabled = true;
  }

  function notice(text, kind) {
    const element = document.getElementById('notice');
    element.textContent = text;
    element.className = kind || '';
  }

  async function api(method, url, content) {
    const response = await fetch(url, { method: method, body: content,
                                        headers: content === undefined ? {} : { 'Content-Type': 'application/json' } });
    let answer = null;
    try { answer = await response.json(); } catch (e) { answer = { error: response.status + ' ' + response.statusText }; }
    if (!response.ok) throw new Error(answer.error || response.statusText);
    return answer;
  }

  // Runs `work` with the page marked busy; a failed request is said in #notice.
  async function guarded(work) {
    busy(true);
    try {
      await work();
    } catch (error) {
      notice(String(error.message || error), 'error');
    } finally {
      busy(false);
    }
  }

  function model() { return session.models.find((m) => m.id === modelId); }

  function describeModel() {
    const m = model();
    document.getElementById('model-line').textContent =
        m.origin === 'the command line' ? session.command : m.protocol + ', the model of ' + m.origin;
    document.getElementById('parameters').textContent = JSON.stringify(m.parameters, null, 1);
    document.getElementById('check').disabled = !m.checkable;
  }

  async function refresh() {
    view = await api('POST', '/api/view', JSON.stringify({ model: modelId, path: path }));
    render();
    const walked = modelId === 0 && choices.length === path.length && path.length > 0;
    history.replaceState(null, '', walked ? '#path=' + choices.join('.') : location.pathname);
  }

  async function start(initialIndex) {
    describeModel();
    const initial = model().initial;
    if (initial.length === 1 || initialIndex !== undefined) {
      path = [{ action: null, state: initial[initialIndex || 0] }];
      choices = [initialIndex || 0];
      await refresh();
    } else {
      path = [];
      choices = [];
      view = null;
      render();
    }
  }

  function take(index) {
    const next = view.enabled[index];
    if (choices.length === path.length) choices.push(index);
    path.push({ action: next.action, state: next.state });
    return guarded(refresh);
  }

  function goTo(index) {
    if (choices.length === path.length) choices = choices.slice(0, index + 1);
    path = path.slice(0, index + 1);
    return guarded(refresh);
  }

  // #path=I.J.K: the initial state I, then enabled actions J, K, ... each in its turn.
  async function walkFromAddress() {
    const match = /^#path=([0-9]+(?:\.[0-9]+)*)$/.exec(location.hash);
    if (!match) return false;
    const wanted = match[1].split('.').map(Number);
    const initial = model().initial;
    if (wanted[0] >= initial.length) throw new Error('the address names initial state ' + wanted[0] + ' of ' + initial.length);
    describeModel();
    path = [{ action: null, state: initial[wanted[0]] }];
    choices = [wanted[0]];
    view = await api('POST', '/api/view', JSON.stringify({ model: 0, path: path }));
    for (let i = 1; i < wanted.length; ++i) {
      const next = view.enabled[wanted[i]];
      if (!next) throw new Error('the address names action ' + wanted[i] + ' at step ' + (i - 1) + ', which has ' + view.enabled.length);
      path.push({ action: next.action, state: next.state });
      choices.push(wanted[i]);
      view = await api('POST', '/api/view', JSON.stringify({ model: 0, path: path }));
    }
    await refresh();
    return true;
  }

  function back() {
    if (path.length > 1) return goTo(path.length - 2);
    if (path.length === 1 && model().initial.length > 1) return guarded(() => start());
    return Promise.resolve();
  }

  // The path so far, one line a step.
  function renderPath() {
    const list = document.getElementById('path');
    list.textContent = '';
    if (!view) return;
    const divergence = view.divergence;
    view.sentences.forEach((sentence, index) => {
      const unreplayed = divergence && index >= divergence.step;
      const item = html(list, 'li', (index === path.length - 1 ? 'current' : '') + (unreplayed ? ' unreplayed' : ''));
      item.setAttribute('data-step', String(index));
      html(item, 'span', 'index', String(index));
      item.appendChild(document.createTextNode(sentence));
      item.addEventListener('click', () => goTo(index));
    });
  }

  function renderEnabled() {
    const list = document.getElementById('enabled');
    const heading = document.getElementById('enabled-heading');
    list.textContent = '';
    if (!view) {  // several initial states: choose one
      const initial = model().initial;
      heading.textContent = 'Initial states (' + initial.length + ')';
      initial.forEach((state, index) => {
        const button = html(html(list, 'li', ''), 'button', 'action');
        button.setAttribute('data-initial', String(index));
        html(button, 'span', 'key', String(index + 1));
        button.appendChild(document.createTextNode('initial state ' + index));
        button.addEventListener('click', () => guarded(() => start(index)));
      });
      return;
    }
    heading.textContent = 'Next steps (' + view.enabled.length + ' enabled)';
    if (!view.within_bounds) {
      html(list, 'li', 'beyond-note', 'This state is beyond the bounds: check does not go on from it.');
    }
    if (view.enabled.length === 0) html(list, 'li', 'beyond-note', 'No action is enabled here: a deadlock or the end of the model.');
    view.enabled.forEach((next, index) => {
      const button = html(html(list, 'li', ''), 'button', 'action');
      button.setAttribute('data-action-index', String(index));
      html(button, 'span', 'key', index < 9 ? String(index + 1) : '');
      button.appendChild(document.createTextNode(next.sentence));
      if (next.violates.length > 0) html(button, 'span', 'badge violates', 'violates ' + next.violates.join(', '));
      if (!next.within_bounds) html(button, 'span', 'badge beyond', 'beyond the bounds');
      button.addEventListener('click', () => take(index));
    });
  }

  function renderProperties() {
    const table = document.getElementById('properties');
    table.textContent = '';
    if (!view) return;
    for (const property of view.properties) {
      const row = html(table, 'tr', '');
      row.setAttribute('data-property', property.name);
      html(row, 'td', '', property.name);
      html(row, 'td', '', property.kind);
      const status = property.status + (property.step !== null && property.status !== 'holds' ? ' (step ' + property.step + ')' : '');
      const cell = html(row, 'td', 'status-' + property.status.replace(/ /g, '-'), status);
      cell.title = property.description;
    }
  }

  function render() {
    renderPath();
    renderEnabled();
    renderProperties();
    const panel = document.getElementById('panel');
    const text = document.getElementById('show-text');
    if (!view) {
      panel.textContent = '';
      text.textContent = '';
      return;
    }
    lockstepPanel.render(panel, view.step, { heading: 'step ' + view.index, index: view.index, nodes: model().nodes,
                                             termColour: termColour, divergence: view.divergence });
    text.textContent = view.text.replace(/^\n/, '');
    body.setAttribute('data-step', String(view.index));
  }

  async function check() {
    notice('checking with ' + session.command.replace('lockstep explore', 'lockstep check') + ' \u2026', '');
    const stop = document.getElementById('stop');
    stop.hidden = false;
    let result;
    try {
      result = await api('POST', '/api/check');
    } finally {
      stop.hidden = true;
    }
    const figures = result.distinct_states.toLocaleString('en') + ' distinct states, depth ' + result.depth + ', ' +
                    result.seconds.toFixed(2) + ' s';
    if (result.path) {
      modelId = result.model;
      describeModel();
      path = result.path;
      choices = [];
      await refresh();
      notice('check found a violation of ' + result.property + ' (' + figures + '): its shortest counterexample, ' +
             (path.length - 1) + ' steps, is the path now', 'found');
    } else if (result.outcome === 'ok') {
      notice('check: no violation within the bounds (' + figures + ')', 'passed');
    } else {
      notice('check: ' + result.outcome + (result.stop_reason ? ' (' + result.stop_reason + ')' : '') +
             (result.sometimes_unreached.length ? ', never reached: ' + result.sometimes_unreached.join(', ') : '') +
             ' (' + figures + ')', result.outcome === 'vacuous' ? 'found' : '');
    }
  }

  // A loaded trace (POST /api/trace's answer, or the one --trace opened): walked from its last step.
  async function openTrace(loaded) {
    if (!session.models.some((m) => m.id === loaded.model)) session = await api('GET', '/api/session');
    modelId = loaded.model;
    describeModel();
    path = loaded.path;
    choices = [];
    await refresh();
    let text = 'trace ' + loaded.name + ': ' + (path.length - 1) + ' steps' +
               (loaded.invariant ? ', records a violation of ' + loaded.invariant : '');
    if (loaded.divergence) text += '; it does not replay from step ' + loaded.divergence.step + ': ' + loaded.divergence.reason;
    notice(text, loaded.divergence ? 'error' : '');
  }

  async function loadFile(file) {
    const text = await file.text();
    const loaded = await api('POST', '/api/trace?name=' + encodeURIComponent(file.name), text);
    await openTrace(loaded);
  }

  document.getElementById('back').addEventListener('click', () => back());
  document.getElementById('restart').addEventListener('click', () => guarded(() => { notice(''); modelId = 0; return start(); }));
  document.getElementById('check').addEventListener('click', () => guarded(check));
  document.getElementById('stop').addEventListener('click', () => api('POST', '/api/stop').catch((error) => notice(String(error.message || error), 'error')));
  const input = document.getElementById('trace-file');
  input.addEventListener('change', () => {
    if (input.files.length === 0) return;
    const file = input.files[0];
    input.value = '';
    guarded(() => loadFile(file));
  });
  document.addEventListener('keydown', (event) => {
    if (pending > 0 || event.target.tagName === 'INPUT') return;
    if (event.key === 'Backspace' || event.key === 'ArrowLeft') { event.preventDefault(); back(); }
    const digit = Number(event.key);
    if (view && digit >= 1 && digit <= 9 && digit <= view.enabled.length) take(digit - 1);
  });

  guarded(async () => {
    session = await api('GET', '/api/session');
    document.getElementById('title').textContent = 'lockstep explore ' + session.protocol + (session.bug ? ' --bug ' + session.bug : '');
    document.title = document.getElementById('title').textContent;
    if (session.trace) {
      await openTrace(session.trace);
    } else {
      try {
        if (await walkFromAddress()) return;
      } catch (error) {
        notice(String(error.message || error), 'error');
      }
      await start();
    }
  });
})();
)js";

}  // namespace

std::string explorer_page() {
  std::string page;
  page += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>lockstep explore</title>\n";
  page += "<style>\n" + std::string(html_style) + std::string(explorer_style) + "</style>\n</head>\n";
  page += "<body data-status=\"busy\">\n<pre id=\"errors\"></pre>\n<script>\n" + std::string(html_error_sink) + "</script>\n";
  page +=
      "<header><h1 id=\"title\">lockstep explore</h1><p id=\"model-line\"></p>"
      "<details><summary>the model's parameters</summary><pre id=\"parameters\"></pre></details>\n"
      "<div class=\"toolbar\"><button id=\"back\" title=\"Backspace\">\u2190 Back</button>"
      "<button id=\"restart\">Restart</button>"
      "<button id=\"check\" title=\"Run lockstep check with these bounds and jump to its counterexample\">Check</button>"
      "<button id=\"stop\" hidden title=\"Stop the check: its figures so far\">Stop check</button>"
      "<label class=\"load\">Load trace\u2026<input type=\"file\" id=\"trace-file\" accept=\".json,application/json\"></label>"
      "<span id=\"notice\"></span></div></header>\n";
  page +=
      "<div id=\"explorer\"><section id=\"walk\"><h2>Path</h2><ol id=\"path\"></ol>"
      "<h2 id=\"enabled-heading\">Next steps</h2><ul id=\"enabled\"></ul>"
      "<h2>Properties</h2><table id=\"properties\"></table>"
      "<h2>As <code>lockstep show</code> prints it</h2><pre id=\"show-text\"></pre></section>"
      "<aside id=\"panel\"></aside></div>\n";
  page += "<script>\n" + std::string(html_panel_script) + std::string(explorer_script) + "</script>\n</body>\n</html>\n";
  return page;
}

}  // namespace lockstep
