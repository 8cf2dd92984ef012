#include "traces/html_page.hpp"

namespace lockstep {

const char html_style[] = R"css(
:root { --ink: #1d2330; --faint: #8a93a6; --line: #c9cfdb; --hi: #fff4c2; --red: #c0392b; --green: #1e8449;
        --blue: #2357b5; --leader: #1e8449; --candidate: #d68910; --follower: #8a93a6; --proposer: #2357b5;
        font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); }
body { margin: 0; }
header { padding: 10px 16px; border-bottom: 1px solid var(--line); }
h1 { font-size: 17px; margin: 0 0 4px 0; }
#summary { margin: 0; color: var(--faint); font-size: 13px; }
main { display: grid; grid-template-columns: minmax(0, 3fr) minmax(360px, 2fr); }
#diagram { overflow: auto; border-right: 1px solid var(--line); }
#panel { position: sticky; top: 0; align-self: start; max-height: 100vh; overflow: auto; padding: 10px 16px;
         font-size: 13px; }
#errors { color: #fff; background: var(--red); margin: 0; padding: 6px 16px; white-space: pre-wrap; }
#errors:empty { display: none; }
.divergence-banner { margin: 6px 0 0 0; padding: 6px 10px; background: #fdecea; color: var(--red); font-weight: 600;
                     border-left: 4px solid var(--red); font-size: 13px; }
svg text { font-size: 12px; fill: var(--ink); }
svg .node-name { font-weight: 600; text-anchor: middle; }
svg .step-number { fill: var(--faint); text-anchor: end; }
svg .lifeline { stroke: var(--line); stroke-width: 2; }
svg .lifeline.role-leader { stroke: var(--leader); stroke-width: 5; }
svg .lifeline.role-candidate { stroke: var(--candidate); stroke-width: 3; }
svg .lifeline.role-proposer { stroke: var(--proposer); stroke-width: 3; }
svg .lifeline.down { stroke-dasharray: 3 4; stroke: #e3b5b0; stroke-width: 2; }
svg .term-label { font-size: 10px; fill: var(--faint); }
svg .term-label.role-leader { fill: var(--leader); font-weight: 700; }
svg .term-label.role-candidate { fill: var(--candidate); }
svg .term-label.role-proposer { fill: var(--proposer); }
svg .row { fill: transparent; cursor: pointer; }
svg .row.selected { fill: var(--hi); }
svg .row.unreplayed { fill: url(#unreplayed); }
svg .row.unreplayed.selected { fill: var(--hi); }
svg .arrow { stroke: var(--blue); stroke-width: 1.4; fill: none; marker-end: url(#head); }
svg .arrow.duplicate { stroke-dasharray: 5 3; }
svg .pending { stroke: var(--faint); stroke-width: 1.2; fill: none; stroke-dasharray: 2 3; marker-end: url(#open-head); }
svg .lost { stroke: var(--red); stroke-width: 1.2; fill: none; stroke-dasharray: 4 3; }
svg .lost-mark, svg .crash { fill: var(--red); font-weight: 700; text-anchor: middle; dominant-baseline: central; }
svg .decision { fill: var(--green); font-size: 16px; font-weight: 700; text-anchor: middle; dominant-baseline: central; }
svg .decision-label { fill: var(--green); font-weight: 600; }
svg .recover { fill: var(--green); }
svg .timer { fill: #fff; stroke: var(--ink); }
svg .request { fill: var(--ink); }
svg .violation { fill: var(--red); font-weight: 600; }
svg .divergence-mark { stroke: var(--red); stroke-width: 2.5; }
svg .divergence-label { fill: var(--red); font-weight: 700; }
#panel h2 { font-size: 15px; margin: 4px 0; }
#panel h3 { font-size: 13px; margin: 10px 0 4px 0; color: var(--faint); }
#panel .sentence { margin: 0 0 8px 0; }
#panel .violates { color: var(--red); font-weight: 600; margin: 4px 0 0 0; }
#panel ul.because { color: var(--red); margin: 2px 0 6px 0; padding-left: 18px; }
#panel .decision { color: var(--green); font-weight: 600; margin: 2px 0; }
#panel .divergence-note { color: var(--red); font-weight: 600; }
#panel table { border-collapse: collapse; margin-bottom: 10px; }
#panel td { overflow-wrap: normal; word-break: normal; padding: 2px 6px; vertical-align: top;
            font-family: ui-monospace, monospace; font-size: 12px; }
#panel .before { color: var(--red); }
#panel .after { color: var(--green); }
#panel ul.tree { list-style: none; padding-left: 14px; margin: 0; font-family: ui-monospace, monospace; font-size: 12px; }
#panel ul.tree li { overflow-wrap: normal; word-break: normal; }
#panel .key { color: var(--faint); }
#panel .type { color: var(--blue); font-weight: 600; }
#panel ul.flights { margin: 0; padding-left: 18px; font-family: ui-monospace, monospace; font-size: 12px; }
.strips { display: flex; flex-direction: column; gap: 3px; margin-bottom: 8px; }
.strip { display: flex; align-items: center; gap: 6px; padding: 3px 6px; border-left: 5px solid var(--follower);
         background: #f6f7fa; font-size: 12px; }
.strip.role-leader { border-left-color: var(--leader); background: #eaf6ee; }
.strip.role-candidate { border-left-color: var(--candidate); background: #fdf3e4; }
.strip.role-proposer { border-left-color: var(--proposer); background: #eaf0fa; }
.strip.down { opacity: 0.55; border-left-style: dashed; }
.strip-node { font-weight: 700; min-width: 22px; }
.strip-role { min-width: 62px; }
.strip.role-leader .strip-role { color: var(--leader); font-weight: 700; }
.strip-term { padding: 0 5px; border-radius: 3px; color: #fff; white-space: nowrap; }
.strip-log { display: flex; gap: 2px; }
.entry { display: inline-block; min-width: 18px; height: 18px; line-height: 18px; text-align: center; color: #fff;
         border-radius: 2px; font-size: 11px; font-weight: 600; box-sizing: border-box; }
.entry.empty { background: transparent; border: 1px dashed var(--line); }
.entry.snapshot { background: #d5d9e2; color: var(--ink); }
.entry.committed { box-shadow: inset 0 -4px 0 var(--ink); }
.strip-notes { color: var(--faint); }
.legend { color: var(--faint); font-size: 11px; margin: 0 0 4px 0; }
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

const char html_panel_script[] = R"js(
window.lockstepPanel = (function () {
  'use strict';
  function html(parent, name, className, text) {
    const element = document.createElement(name);
    if (className) element.className = className;
    if (text !== undefined) element.textContent = text;
    parent.appendChild(element);
    return element;
  }

  // A colour per term (or ballot): the terms of `steps` in the order they first appear, then any
  // other in the order it is first asked for.
  const termColours = ['#2357b5', '#d35400', '#8e44ad', '#16a085', '#b7950b', '#c0392b', '#2c3e50', '#7f8c8d'];
  function termColourer(steps) {
    const termIndex = new Map();
    const see = (term) => { if (term !== '' && term !== 'none' && !termIndex.has(term)) termIndex.set(term, termIndex.size); };
    for (const step of steps) {
      for (const node of step.nodes) [node.term].concat(node.log.map((e) => e.term)).forEach(see);
    }
    return (term) => {
      see(term);
      return termIndex.has(term) ? termColours[termIndex.get(term) % termColours.length] : '#8a93a6';
    };
  }

  // Each node at the selected step: its role, its term, its log (each entry's term; the
  // committed part underlined), aligned by index so that what a node lacks is a gap.
  function strips(panel, step, context) {
    if (step.nodes.length === 0) return;
    html(panel, 'h3', '', 'nodes');
    const width = Math.max(0, ...step.nodes.map((n) => n.log_base + n.log.length));
    if (step.nodes.some((n) => n.has_log)) {
      html(panel, 'p', 'legend', 'log entries by index, labelled and coloured by ' + step.nodes[0].term_name +
                                 '; underlined: committed, as the node knows it');
    }
    const box = html(panel, 'div', 'strips');
    step.nodes.forEach((node, index) => {
      const strip = html(box, 'div', 'strip role-' + node.role + (node.up ? '' : ' down'));
      strip.setAttribute('data-node', context.nodes[index]);
      html(strip, 'span', 'strip-node', context.nodes[index]);
      html(strip, 'span', 'strip-role', node.up ? node.role : 'down');
      const term = html(strip, 'span', 'strip-term', node.term_name + ' ' + node.term);
      term.style.background = context.termColour(node.term);
      if (node.has_log) {
        const log = html(strip, 'span', 'strip-log');
        for (let i = 1; i <= width; ++i) {
          const entry = node.log.find((e) => e.index === i);
          let cell;
          if (i <= node.log_base) {
            cell = html(log, 'span', 'entry snapshot' + (i <= node.committed ? ' committed' : ''), 's');
            cell.title = 'index ' + i + ': in the snapshot';
          } else if (!entry || entry.text === '') {
            cell = html(log, 'span', 'entry empty', '');
            cell.title = 'index ' + i + ': nothing';
          } else {
            cell = html(log, 'span', 'entry' + (i <= node.committed ? ' committed' : ''), entry.term);
            cell.style.background = context.termColour(entry.term);
            cell.title = 'index ' + i + ': ' + entry.text + ' (' + node.term_name + ' ' + entry.term + ')' +
                         (i <= node.committed ? ', committed' : '');
          }
        }
      }
      if (node.notes.length > 0) html(strip, 'span', 'strip-notes', node.notes.join('; '));
    });
  }

  // Text that may break only after a dot (a field path): never in the middle of a word.
  function breakable(parent, text) {
    text.split('.').forEach((part, index, parts) => {
      parent.appendChild(document.createTextNode(part + (index + 1 < parts.length ? '.' : '')));
      if (index + 1 < parts.length) parent.appendChild(document.createElement('wbr'));
    });
  }

  // The state as the model prints it (as the text view does): a node's text when short, else
  // its type and its children.
  function tree(parent, node) {
    const list = html(parent, 'ul', 'tree');
    for (const [label, child] of node.children || [['value', node]]) {
      const item = html(list, 'li', '');
      html(item, 'span', 'key', label + ': ');
      if (!child.children || child.text.length <= 70) {
        html(item, 'span', 'value', child.text);
      } else {
        if (child.type) html(item, 'span', 'type', child.type);
        tree(item, child);
      }
    }
  }

  // One step into `panel`. context: {heading, index (the step's), nodes (their names), termColour,
  // divergence (where the trace stops replaying, or null)}.
  function render(panel, step, context) {
    const index = context.index, divergence = context.divergence;
    panel.textContent = '';
    html(panel, 'h2', '', context.heading);
    html(panel, 'p', 'sentence', step.sentence);
    if (divergence && index === divergence.step) {
      html(panel, 'p', 'divergence-note', 'The model diverges here: ' + divergence.reason);
      for (const line of divergence.changes) html(panel, 'p', 'divergence-note', line + ' (recorded \u2192 replayed)');
    } else if (!step.replayed) {
      html(panel, 'p', 'divergence-note', 'Not a run of the model: the trace diverged at step ' + divergence.step);
    }
    for (const decision of step.decisions) html(panel, 'p', 'decision', '\u2605 ' + decision);
    for (const violation of step.violations) {
      html(panel, 'p', 'violates', 'violates ' + violation.property + (violation.description ? ': ' + violation.description : ''));
      if (violation.because.length > 0) {
        const because = html(panel, 'ul', 'because');
        for (const line of violation.because) html(because, 'li', '', line);
      }
    }
    for (const line of (step.summary || [])) html(panel, 'p', 'summary', line);
    strips(panel, step, context);
    if (step.changes.length > 0) {
      html(panel, 'h3', '', 'what changed');
      const table = html(panel, 'table', '');
      for (const [path, before, after] of step.changes) {
        const row = html(table, 'tr', '');
        breakable(html(row, 'td', 'path'), path);
        html(row, 'td', 'before', before);
        html(row, 'td', 'after', after === '' ? '(removed)' : (before === '' ? '+ ' : '\u2192 ') + after);
      }
    }
    if (step.in_flight.length > 0) {
      html(panel, 'h3', '', 'in flight (' + step.in_flight.length + ')');
      const list = html(panel, 'ul', 'flights');
      for (const message of step.in_flight) html(list, 'li', '', message);
    }
    html(panel, 'h3', '', 'state');
    tree(panel, step.tree);
  }

  return { html: html, termColourer: termColourer, render: render };
})();
)js";

const char html_script[] = R"js(
(function () {
  'use strict';
  const data = JSON.parse(document.getElementById('trace').textContent);
  const svgNamespace = 'http://www.w3.org/2000/svg';
  const column = 110, rowHeight = 30, top = 50, left = 56;
  const nodeCount = data.nodes.length;
  const lastStep = data.steps.length - 1;
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
  const html = lockstepPanel.html;
  // A colour per term (or ballot), in the order terms first appear in the trace.
  const termColour = lockstepPanel.termColourer(data.steps);

  function drawLifelines(svg) {
    data.nodes.forEach((name, index) => {
      add(svg, 'text', { class: 'node-name', x: x(index + 1), y: 24 }, name);
      let shown = '';
      for (let step = 0; step < data.steps.length; ++step) {
        const view = data.steps[step].nodes[index];
        const end = step + 1 < data.steps.length ? y(step + 1) : y(step) + rowHeight / 2;
        const role = view ? ' role-' + view.role : '';
        add(svg, 'line', { class: 'lifeline' + (view && !view.up ? ' down' : role), x1: x(index + 1), y1: y(step),
                           x2: x(index + 1), y2: end });
        if (!view) continue;
        // Who leads in which term: a label where the node's role or term changes.
        const label = view.role + ' \u00b7 ' + view.term_name + ' ' + view.term;
        if (label !== shown && view.up) {
          add(svg, 'text', { class: 'term-label' + role, x: x(index + 1) + 6, y: y(step) + 13 }, label);
          shown = label;
        }
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

  // The moment something is decided: a star on the node that acted (or by the step's sentence).
  function drawDecisions(svg) {
    data.steps.forEach((step, index) => {
      if (step.decisions.length === 0) return;
      const cx = isNode(step.node) ? x(step.node) + 16 : textX - 8;
      add(add(svg, 'text', { class: 'decision', x: cx, y: y(index) }, '\u2605'), 'title', {}, step.decisions.join('; '));
    });
  }

  function flightPath(flight, endY, fraction) {
    const x1 = x(flight.from), y1 = y(flight.sent);
    if (flight.from === flight.to) {
      const bend = x1 + 36;
      return `M${x1},${y1} C${bend},${y1} ${bend},${endY} ${x1 + 4},${endY}`;
    }
    const x2 = x1 + (x(flight.to) - x1) * fraction, yEnd = y1 + (endY - y1) * fraction;
    return `M${x1},${y1} L${x2},${yEnd}`;
  }

  function drawFlights(svg) {
    for (const flight of data.flights) {
      const what = `${data.nodes[flight.from - 1]} \u2192 ${data.nodes[flight.to - 1]}: ${flight.message} (sent at step ${flight.sent}, `;
      if (flight.pending) {
        // Still in flight when the trace ends: an open arrow towards its receiver, below the last step.
        const path = add(svg, 'path', { class: 'pending', d: flightPath(flight, y(lastStep) + rowHeight / 2, 1) });
        add(path, 'title', {}, what + 'still in flight at the end)');
      } else if (flight.delivered) {
        const duplicate = data.steps[flight.sent].kind === 'duplicate';
        const path = add(svg, 'path', { class: duplicate ? 'arrow duplicate' : 'arrow', d: flightPath(flight, y(flight.end), 1) });
        add(path, 'title', {}, what + `delivered at step ${flight.end})`);
      } else {
        // Lost: the sender's arrow, cut short, and the loss marked where the arrow stops.
        const label = what + `lost at step ${flight.end})`;
        const group = add(svg, 'g', { class: 'lost-flight' });
        const path = add(group, 'path', { class: 'lost', d: flightPath(flight, y(flight.end), 0.6) });
        add(path, 'title', {}, label);
        const end = path.getPointAtLength(path.getTotalLength());
        add(add(group, 'text', { class: 'lost-mark', x: end.x.toFixed(1), y: end.y.toFixed(1) }, '\u2715'), 'title', {}, label);
      }
    }
  }

  function drawRows(svg, width) {
    data.steps.forEach((step, index) => {
      const row = add(svg, 'rect', { class: step.replayed ? 'row' : 'row unreplayed', x: 0, y: y(index) - rowHeight / 2,
                                     width: width, height: rowHeight, 'data-step': index });
      row.addEventListener('mouseenter', () => select(index));
      row.addEventListener('click', () => select(index));
      add(svg, 'text', { class: 'step-number', x: left - 14, y: y(index) + 4 }, String(index));
      const sentence = add(svg, 'text', { class: 'sentence', x: textX, y: y(index) + 4 }, step.sentence);
      for (const decision of step.decisions) add(sentence, 'tspan', { class: 'decision-label' }, '  \u2605 ' + decision);
      if (data.divergence && index === data.divergence.step) {
        add(sentence, 'tspan', { class: 'divergence-label' },
            '  \u2716 does not replay from here: ' + data.divergence.reason + ' (from here on: the record, not a run of the model)');
      }
      if (step.violations.length > 0) {
        add(sentence, 'tspan', { class: 'violation' },
            '  \u2716 violates ' + step.violations.map((v) => v.property).join(', '));
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

  // The diagram as wide as its longest sentence: none is cut off.
  function fitSentences(svg) {
    let right = 0;
    svg.querySelectorAll('text.sentence').forEach((text) => {
      const box = text.getBBox();
      right = Math.max(right, box.x + box.width);
    });
    const width = Math.max(Number(svg.getAttribute('width')), Math.ceil(right) + 24);
    svg.setAttribute('width', width);
    svg.querySelectorAll('.row').forEach((row) => row.setAttribute('width', width));
    svg.querySelectorAll('.divergence-mark').forEach((line) => line.setAttribute('x2', width));
    let cut = 0;
    svg.querySelectorAll('text.sentence').forEach((text) => {
      const box = text.getBBox();
      if (box.x + box.width > width) cut += 1;
    });
    document.body.setAttribute('data-sentences-cut', String(cut));
  }

  function drawDiagram() {
    const width = textX + 600, height = y(lastStep) + rowHeight;
    const svg = add(document.getElementById('diagram'), 'svg', { width: width, height: height, role: 'img' });
    const defs = add(svg, 'defs');
    const marker = add(defs, 'marker', { id: 'head', viewBox: '0 0 10 10', refX: 9, refY: 5,
                                         markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
    add(marker, 'path', { d: 'M0,0 L10,5 L0,10 z', fill: '#2357b5' });
    const open = add(defs, 'marker', { id: 'open-head', viewBox: '0 0 10 10', refX: 9, refY: 5,
                                       markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
    add(open, 'path', { d: 'M0,0 L10,5 L0,10', fill: 'none', stroke: '#8a93a6', 'stroke-width': 1.5 });
    const hatch = add(defs, 'pattern', { id: 'unreplayed', width: 8, height: 8, patternUnits: 'userSpaceOnUse',
                                         patternTransform: 'rotate(45)' });
    add(hatch, 'rect', { width: 8, height: 8, fill: '#fdf3f2' });
    add(hatch, 'line', { x1: 0, y1: 0, x2: 0, y2: 8, stroke: '#f3cfcb', 'stroke-width': 3 });
    drawRows(svg, width);
    drawLifelines(svg);
    data.steps.forEach((step, index) => { if (isNode(step.node) && index > 0) drawMark(svg, step, index); });
    drawFlights(svg);
    drawDecisions(svg);
    drawDivergence(svg, width);
    fitSentences(svg);
    svg.querySelectorAll('text:not(.crash):not(.lost-mark):not(.decision), line, path').forEach((e) => {
      const stroke = e.classList.contains('arrow') || e.classList.contains('lost') || e.classList.contains('pending');
      e.style.pointerEvents = stroke ? 'stroke' : 'none';
    });
  }

  function renderPanel(index) {
    lockstepPanel.render(document.getElementById('panel'), data.steps[index],
                         { heading: 'step ' + index + ' of ' + lastStep, index: index, nodes: data.nodes,
                           termColour: termColour, divergence: data.divergence });
  }

  function select(index) {
    if (index === selected || index < 0 || index > lastStep) return;
    document.querySelectorAll('.row.selected').forEach((row) => row.classList.remove('selected'));
    const row = document.querySelector(`.row[data-step="${index}"]`);
    if (row) row.classList.add('selected');
    selected = index;
    renderPanel(index);
  }

  function summarize() {
    const delivered = data.flights.filter((f) => f.delivered).length;
    const pending = data.flights.filter((f) => f.pending).length;
    const parts = [data.protocol, data.nodes.length + ' nodes', lastStep + ' steps', delivered + ' messages delivered',
                   (data.flights.length - delivered - pending) + ' lost', pending + ' in flight at the end'];
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
  select(lastStep);
  document.body.setAttribute('data-arrows', String(document.querySelectorAll('#diagram .arrow').length));
  document.body.setAttribute('data-status', 'ready');
})();
)js";

}  // namespace lockstep
