#include "traces/html_page.hpp"

namespace lockstep {

const char html_style[] = R"css(
:root { --ink: #1d2330; --faint: #8a93a6; --line: #c9cfdb; --hi: #fff4c2; --red: #c0392b; --green: #1e8449;
        --blue: #2357b5; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); }
body { margin: 0; }
header { padding: 10px 16px; border-bottom: 1px solid var(--line); }
h1 { font-size: 17px; margin: 0 0 4px 0; }
#summary { margin: 0; color: var(--faint); font-size: 13px; }
main { display: grid; grid-template-columns: minmax(0, 3fr) minmax(320px, 2fr); }
#diagram { overflow: auto; border-right: 1px solid var(--line); }
#panel { position: sticky; top: 0; align-self: start; max-height: 100vh; overflow: auto; padding: 10px 16px;
         font-size: 13px; }
#errors { color: #fff; background: var(--red); margin: 0; padding: 6px 16px; white-space: pre-wrap; }
#errors:empty { display: none; }
.divergence-banner { margin: 6px 0 0 0; padding: 6px 10px; background: #fdecea; color: var(--red); font-weight: 600;
                     border-left: 4px solid var(--red); font-size: 13px; }
svg .divergence-mark { stroke: var(--red); stroke-width: 2.5; }
svg .divergence-label { fill: var(--red); font-weight: 700; }
svg .row.unreplayed { fill: url(#unreplayed); }
svg .row.unreplayed.selected { fill: var(--hi); }
#panel .divergence-note { color: var(--red); font-weight: 600; }
svg text { font-size: 12px; fill: var(--ink); }
svg .node-name { font-weight: 600; text-anchor: middle; }
svg .step-number { fill: var(--faint); text-anchor: end; }
svg .lifeline { stroke: var(--line); stroke-width: 2; }
svg .lifeline.down { stroke-dasharray: 3 4; stroke: #e3b5b0; }
svg .row { fill: transparent; cursor: pointer; }
svg .row.selected { fill: var(--hi); }
svg .arrow { stroke: var(--blue); stroke-width: 1.4; fill: none; marker-end: url(#head); }
svg .arrow.duplicate { stroke-dasharray: 5 3; }
svg .lost { stroke: var(--red); stroke-width: 1.2; fill: none; stroke-dasharray: 4 3; }
svg .lost-mark, svg .crash { fill: var(--red); font-weight: 700; text-anchor: middle; dominant-baseline: central; }
svg .recover { fill: var(--green); }
svg .timer { fill: #fff; stroke: var(--ink); }
svg .request { fill: var(--ink); }
svg .violation { fill: var(--red); font-weight: 600; }
#panel h2 { font-size: 15px; margin: 4px 0; }
#panel .sentence { margin: 0 0 8px 0; }
#panel .violates { color: var(--red); font-weight: 600; }
#panel table { border-collapse: collapse; margin-bottom: 10px; }
#panel td { overflow-wrap: anywhere; padding: 2px 6px; vertical-align: top; font-family: ui-monospace, monospace; font-size: 12px; }
#panel .before { color: var(--red); }
#panel .after { color: var(--green); }
#panel ul.tree { list-style: none; padding-left: 14px; margin: 0; font-family: ui-monospace, monospace; font-size: 12px; }
#panel .key { color: var(--faint); }
)css";

const char html_error_sink[] = R"js(
window.lockstepErrors = 0;
function lockstepReport(text) {
  window.lockstepErrors += 1;
  document.getElementById('errors').textContent += text + '\n';
  document.body.setAttribute('data-errors', String(window.lockstepErrors));
}
window.addEventListener('error', function (event) {
  lockstepReport('error: ' + event.message + ' (line ' + event.lineno + ')');
});
window.addEventListener('unhandledrejection', function (event) { lockstepReport('error: ' + event.reason); });
)js";

const char html_script[] = R"js(
(function () {
  'use strict';
  const data = JSON.parse(document.getElementById('trace').textContent);
  const svgNamespace = 'http://www.w3.org/2000/svg';
  const column = 110, rowHeight = 30, top = 50, left = 56;
  const nodeCount = data.nodes.length;
  const textX = left + column * nodeCount + 14;
  const x = (node) => left + column * (node - 1) + column / 2;
  const y = (step) => top + rowHeight * step;
  const isNode = (node) => node >= 1 && node <= nodeCount;  // a record that does not replay may name others
  let selected = -1;

  function add(parent, name, attributes, text) {
    const element = document.createElementNS(svgNamespace, name);
    for (const [key, value] of Object.entries(attributes || {})) element.setAttribute(key, value);
    if (text !== undefined) element.textContent = text;
    parent.appendChild(element);
    return element;
  }
  function html(parent, name, className, text) {
    const element = document.createElement(name);
    if (className) element.className = className;
    if (text !== undefined) element.textContent = text;
    parent.appendChild(element);
    return element;
  }

  // Which nodes are up after each step: crashes and restarts.
  function upAfterEachStep() {
    const up = new Array(nodeCount).fill(true);
    return data.steps.map((step) => {
      if (step.kind === 'crash' && isNode(step.node)) up[step.node - 1] = false;
      if (step.kind === 'recover' && isNode(step.node)) up[step.node - 1] = true;
      return up.slice();
    });
  }

  function drawLifelines(svg) {
    const up = upAfterEachStep();
    data.nodes.forEach((name, index) => {
      add(svg, 'text', { class: 'node-name', x: x(index + 1), y: 24 }, name);
      for (let step = 0; step < data.steps.length; ++step) {
        const end = step + 1 < data.steps.length ? y(step + 1) : y(step) + rowHeight / 2;
        add(svg, 'line', { class: up[step][index] ? 'lifeline' : 'lifeline down', x1: x(index + 1), y1: y(step),
                           x2: x(index + 1), y2: end });
      }
    });
  }

  function drawMark(svg, step, index) {
    const cx = x(step.node), cy = y(index);
    const title = (element) => add(element, 'title', {}, step.sentence);
    if (step.kind === 'crash') title(add(svg, 'text', { class: 'crash', x: cx, y: cy }, '\u2715'));
    if (step.kind === 'recover') title(add(svg, 'circle', { class: 'recover', cx: cx, cy: cy, r: 5 }));
    if (step.kind === 'timer') title(add(svg, 'circle', { class: 'timer', cx: cx, cy: cy, r: 4 }));
    if (step.kind === 'request') {
      title(add(svg, 'path', { class: 'request', d: `M${cx - 12},${cy - 5} L${cx - 4},${cy} L${cx - 12},${cy + 5} z` }));
    }
  }

  function flightPath(flight, fraction) {
    const x1 = x(flight.from), y1 = y(flight.sent), y2 = y(flight.end);
    if (flight.from === flight.to) {
      const bend = x1 + 36;
      return `M${x1},${y1} C${bend},${y1} ${bend},${y2} ${x1 + 4},${y2}`;
    }
    const x2 = x1 + (x(flight.to) - x1) * fraction, yEnd = y1 + (y2 - y1) * fraction;
    return `M${x1},${y1} L${x2},${yEnd}`;
  }

  function drawFlights(svg) {
    for (const flight of data.flights) {
      const label = `${data.nodes[flight.from - 1]} \u2192 ${data.nodes[flight.to - 1]}: ${flight.message} ` +
                    `(sent at step ${flight.sent}, ${flight.delivered ? 'delivered' : 'lost'} at step ${flight.end})`;
      const duplicate = data.steps[flight.sent].kind === 'duplicate';
      if (flight.delivered) {
        const path = add(svg, 'path', { class: duplicate ? 'arrow duplicate' : 'arrow', d: flightPath(flight, 1) });
        add(path, 'title', {}, label);
      } else {
        add(add(svg, 'path', { class: 'lost', d: flightPath(flight, 0.6) }), 'title', {}, label);
        const markX = x(flight.from) + (x(flight.to) - x(flight.from)) * 0.6;
        const markY = y(flight.sent) + (y(flight.end) - y(flight.sent)) * 0.6;
        add(add(svg, 'text', { class: 'lost-mark', x: markX, y: markY }, '\u2715'), 'title', {}, label);
      }
    }
  }

  function drawRows(svg, width) {
    data.steps.forEach((step, index) => {
      const row = add(svg, 'rect', { class: step.replayed ? 'row' : 'row unreplayed', x: 0, y: y(index) - rowHeight / 2, width: width, height: rowHeight,
                                     'data-step': index });
      row.addEventListener('mouseenter', () => select(index));
      row.addEventListener('click', () => select(index));
      add(svg, 'text', { class: 'step-number', x: left - 14, y: y(index) + 4 }, String(index));
      const sentence = add(svg, 'text', { x: textX, y: y(index) + 4 }, step.sentence);
      if (data.divergence && index === data.divergence.step) {
        add(sentence, 'tspan', { class: 'divergence-label' },
            '  \u2716 does not replay from here: ' + data.divergence.reason + ' (from here on: the record, not a run of the model)');
      }
      if (step.violations.length > 0) {
        add(sentence, 'tspan', { class: 'violation' }, '  \u2716 violates ' + step.violations.join(', '));
      }
      sentence.style.pointerEvents = 'none';
    });
  }

  // Where the trace stops being a run of the model: a red line above the step that diverges.
  function drawDivergence(svg, width) {
    const divergence = data.divergence;
    if (!divergence) return;
    const top = y(divergence.step) - rowHeight / 2;
    add(add(svg, 'line', { class: 'divergence-mark', x1: 0, y1: top, x2: width, y2: top }), 'title', {},
        divergence.reason);
  }

  function drawDiagram() {
    const width = textX + 1100, height = y(data.steps.length - 1) + rowHeight;
    const svg = add(document.getElementById('diagram'), 'svg', { width: width, height: height, role: 'img' });
    const marker = add(add(svg, 'defs'), 'marker', { id: 'head', viewBox: '0 0 10 10', refX: 9, refY: 5,
                                                     markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
    add(marker, 'path', { d: 'M0,0 L10,5 L0,10 z', fill: '#2357b5' });
    const hatch = add(svg.querySelector('defs'), 'pattern', { id: 'unreplayed', width: 8, height: 8,
                                                             patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' });
    add(hatch, 'rect', { width: 8, height: 8, fill: '#fdf3f2' });
    add(hatch, 'line', { x1: 0, y1: 0, x2: 0, y2: 8, stroke: '#f3cfcb', 'stroke-width': 3 });
    drawRows(svg, width);
    drawLifelines(svg);
    data.steps.forEach((step, index) => { if (isNode(step.node) && index > 0) drawMark(svg, step, index); });
    drawFlights(svg);
    drawDivergence(svg, width);
    svg.querySelectorAll('text:not(.crash):not(.lost-mark), line, path').forEach((e) => {
      e.style.pointerEvents = e.classList.contains('arrow') || e.classList.contains('lost') ? 'stroke' : 'none';
    });
  }

  // An ITF value in one line: {"#set": [..]} -> {a, b}; {"#map": [[k, v]]} -> {k: v}; tag/value -> Tag{..}.
  function compact(value) {
    if (value === null || typeof value !== 'object') return String(value);
    if (Array.isArray(value)) return '[' + value.map(compact).join(', ') + ']';
    if (Array.isArray(value['#set'])) return '{' + value['#set'].map(compact).join(', ') + '}';
    if (Array.isArray(value['#tup'])) return '(' + value['#tup'].map(compact).join(', ') + ')';
    if (Array.isArray(value['#map'])) return '{' + value['#map'].map((e) => compact(e[0]) + ': ' + compact(e[1])).join(', ') + '}';
    if (typeof value['#bigint'] === 'string') return value['#bigint'];
    if (typeof value.tag === 'string' && 'value' in value && Object.keys(value).length === 2) {
      const inner = compact(value.value);
      return inner === '()' ? value.tag : value.tag + (inner.startsWith('{') ? inner : '(' + inner + ')');
    }
    return '{' + Object.entries(value).map(([k, v]) => k + '=' + compact(v)).join(', ') + '}';
  }

  // The children of a value shown as a tree: [label, value] pairs, or null for a leaf.
  function children(value) {
    if (value === null || typeof value !== 'object') return null;
    if (Array.isArray(value)) return value.map((v, i) => ['[' + i + ']', v]);
    if (Array.isArray(value['#map'])) return value['#map'].map((e) => ['[' + compact(e[0]) + ']', e[1]]);
    if (Array.isArray(value['#set']) || Array.isArray(value['#tup']) || '#bigint' in value) return null;
    if (typeof value.tag === 'string' && 'value' in value && Object.keys(value).length === 2) return children(value.value);
    return Object.entries(value);
  }

  function tree(parent, value) {
    const list = html(parent, 'ul', 'tree');
    for (const [label, child] of children(value) || [['value', value]]) {
      const item = html(list, 'li', '');
      html(item, 'span', 'key', label + ': ');
      const text = compact(child);
      if (children(child) === null || text.length <= 70) html(item, 'span', '', text);
      else tree(item, child);
    }
  }

  function renderPanel(index) {
    const step = data.steps[index];
    const panel = document.getElementById('panel');
    panel.textContent = '';
    html(panel, 'h2', '', 'step ' + index + ' of ' + (data.steps.length - 1));
    html(panel, 'p', 'sentence', step.sentence);
    if (data.divergence && index === data.divergence.step) {
      html(panel, 'p', 'divergence-note', 'The model diverges here: ' + data.divergence.reason);
      for (const line of data.divergence.changes) html(panel, 'p', 'divergence-note', line + ' (recorded \u2192 replayed)');
    } else if (!step.replayed) {
      html(panel, 'p', 'divergence-note', 'Not a run of the model: the trace diverged at step ' + data.divergence.step);
    }
    for (const property of step.violations) html(panel, 'p', 'violates', 'violates ' + property);
    for (const line of (step.summary || [])) html(panel, 'p', 'summary', line);
    if (step.changes.length > 0) {
      const table = html(panel, 'table', '');
      for (const [path, before, after] of step.changes) {
        const row = html(table, 'tr', '');
        html(row, 'td', '', path);
        html(row, 'td', 'before', before === '' ? '' : before);
        html(row, 'td', 'after', after === '' ? '(removed)' : (before === '' ? '+ ' : '\u2192 ') + after);
      }
    }
    html(panel, 'h2', '', 'state');
    tree(panel, step.state);
  }

  function select(index) {
    if (index === selected || index < 0 || index >= data.steps.length) return;
    document.querySelectorAll('.row.selected').forEach((row) => row.classList.remove('selected'));
    const row = document.querySelector(`.row[data-step="${index}"]`);
    if (row) row.classList.add('selected');
    selected = index;
    renderPanel(index);
  }

  function summarize() {
    const delivered = data.flights.filter((f) => f.delivered).length;
    const parts = [data.protocol, data.nodes.length + ' nodes', (data.steps.length - 1) + ' steps',
                   delivered + ' messages delivered', (data.flights.length - delivered) + ' lost'];
    if (data.invariant) parts.push('records a violation of ' + data.invariant);
    document.getElementById('summary').textContent = parts.join(' \u00b7 ') +
        ' \u2014 point at a step to see its state; \u2191/\u2193 move';
  }

  summarize();
  drawDiagram();
  document.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowDown' || event.key === 'j') select(selected + 1);
    if (event.key === 'ArrowUp' || event.key === 'k') select(selected - 1);
  });
  select(data.steps.length - 1);
  document.body.setAttribute('data-arrows', String(document.querySelectorAll('#diagram .arrow').length));
  document.body.setAttribute('data-status', 'ready');
})();
)js";

}  // namespace lockstep
