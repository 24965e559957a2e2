// The report page: reads the trace (hound.trace/v1 and what hound computed
// for the page) from #hound-data, draws the flow graph with cytoscape and
// fills the tables. Plain script, no build step; it writes text with
// textContent only, never markup from the data.
'use strict';
(function () {
  const data = JSON.parse(document.getElementById('hound-data').textContent);
  const doc = data.doc;
  const big = doc.nodes.length > 1000 || doc.edges.length > 2000;

  // --- helpers ---------------------------------------------------------

  // el builds an element: el('td', {className: 'num'}, 'text', child, ...).
  function el(tag, props, ...children) {
    const e = document.createElement(tag);
    Object.assign(e, props || {});
    for (const c of children) {
      if (c !== null && c !== undefined) e.append(c);
    }
    return e;
  }

  // units writes base units in whole units, exactly (as hound's Units).
  function units(v, decimals) {
    let s = String(v), sign = '';
    if (s.startsWith('-')) { sign = '-'; s = s.slice(1); }
    if (!decimals) return sign + s;
    s = s.padStart(decimals + 1, '0');
    const whole = s.slice(0, s.length - decimals);
    const frac = s.slice(s.length - decimals).replace(/0+$/, '');
    return sign + whole + (frac ? '.' + frac : '');
  }

  function amount(v, chain, asset) {
    const a = data.assets[chain + ' ' + asset];
    if (!a || !a.known) return v + ' units of ' + asset;
    return units(v, a.decimals) + ' ' + a.symbol;
  }

  function short(s) {
    return s.length <= 20 ? s : s.slice(0, 10) + '\u2026' + s.slice(-8);
  }

  function when(t) { return t ? t.replace('T', ' ') : ''; }

  function table(headers, rows) {
    return el('table', {},
      headers ? el('thead', {}, el('tr', {}, ...headers.map(h => el('th', {}, h)))) : null,
      el('tbody', {}, ...rows.map(r => el('tr', {}, ...r.map(c => c instanceof Node ? el('td', {}, c) : el('td', {}, String(c)))))));
  }

  function mono(s) { return el('span', {className: 'mono', title: s}, s); }

  // --- indexes ---------------------------------------------------------

  const nodeIndex = new Map(doc.nodes.map((n, i) => [n.id, i]));
  const edgeIndex = new Map(doc.edges.map((e, i) => [e.id, i]));
  const flowsIn = new Map(), flowsOut = new Map();
  for (const e of doc.edges) {
    if (!flowsIn.has(e.to)) flowsIn.set(e.to, []);
    if (!flowsOut.has(e.from)) flowsOut.set(e.from, []);
    flowsIn.get(e.to).push(e);
    flowsOut.get(e.from).push(e);
  }
  // A finding shows at the nodes with its address and at the node its flow entered.
  const findingsAt = new Map();
  const nodesAt = new Map();
  doc.nodes.forEach(n => {
    const k = n.chain + ' ' + n.address;
    if (!nodesAt.has(k)) nodesAt.set(k, []);
    nodesAt.get(k).push(n.id);
  });
  doc.findings.forEach((f, i) => {
    const ids = new Set(nodesAt.get(f.chain + ' ' + f.address) || []);
    const e = doc.edges[edgeIndex.get(f.edge)];
    if (e) ids.add(e.to);
    for (const id of ids) {
      if (!findingsAt.has(id)) findingsAt.set(id, []);
      findingsAt.get(id).push(i);
    }
  });

  // --- the graph -------------------------------------------------------

  // Styles go by class, not by data mappers: that is what keeps 15,000
  // elements quick to build. Edge widths come in ten classes, w1 to w10.
  const elements = [];
  const seeds = new Set(doc.seeds);
  doc.nodes.forEach((n, i) => {
    const p = data.nodes[i];
    const classes = [p.c];
    if (seeds.has(n.id)) classes.push('seed');
    if (p.e || !big) classes.push('named'); // a large graph names only the labelled nodes
    elements.push({group: 'nodes', data: {id: n.id, label: p.l}, position: {x: p.x, y: p.y}, classes: classes.join(' ')});
  });
  doc.edges.forEach((e, i) => {
    const p = data.edges[i];
    elements.push({group: 'edges', data: {id: 'e' + e.id, source: e.from, target: e.to},
      classes: 'w' + Math.min(10, Math.max(1, Math.round(p.w))) + (p.k ? ' ' + p.k : '')});
  });

  const edgeColour = '#90a4ae';
  const style = [
    {selector: 'node', style: {'width': 24, 'height': 24, 'border-width': 1, 'border-color': '#78909c'}},
    ...Object.entries(data.colours).map(([c, colour]) => ({selector: 'node.' + c, style: {'background-color': colour}})),
    {selector: 'node.unlabelled', style: {'width': 18, 'height': 18}},
    {selector: 'node.tx', style: {'width': 14, 'height': 14, 'shape': 'round-rectangle'}},
    {selector: 'node.seed', style: {'width': 30, 'height': 30, 'border-width': 4, 'border-color': '#212121'}},
    {selector: 'node.named', style: {
      'label': 'data(label)', 'font-size': 10, 'color': '#37474f', 'text-wrap': 'wrap', 'text-max-width': 160,
      'text-valign': 'bottom', 'text-margin-y': 3, 'min-zoomed-font-size': 7}},
    {selector: 'edge', style: {
      'width': 1, 'line-color': edgeColour, 'opacity': 0.85,
      'curve-style': big ? 'haystack' : 'bezier',
      'target-arrow-shape': big ? 'none' : 'triangle', 'target-arrow-color': edgeColour, 'arrow-scale': 0.8}},
    ...Array.from({length: 10}, (_, k) => ({selector: 'edge.w' + (k + 1), style: {'width': k + 1}})),
    {selector: 'edge.cross', style: {
      'curve-style': 'straight', 'line-style': 'dashed', 'line-color': data.colours.bridge, 'target-arrow-color': data.colours.bridge,
      'target-arrow-shape': 'triangle', 'label': 'cross-chain', 'font-size': 9, 'color': data.colours.bridge,
      'text-rotation': 'autorotate', 'min-zoomed-font-size': 7}},
    {selector: 'edge.swap', style: {'line-style': 'dotted', 'line-color': data.colours.dex, 'target-arrow-color': data.colours.dex}},
    {selector: 'node:selected', style: {'border-width': 5, 'border-color': '#fdd835'}},
    {selector: 'edge:selected', style: {'line-color': '#fdd835', 'target-arrow-color': '#fdd835', 'opacity': 1}},
  ];
  const cy = cytoscape({
    container: document.getElementById('graph'),
    elements: elements,
    style: style,
    // The positions come with the elements; the layout keeps them, and the
    // viewport is fitted from them below, not by measuring every element.
    layout: {name: 'preset', positions: () => null, fit: false},
    minZoom: 0.005,
    maxZoom: 4,
    wheelSensitivity: 0.3,
    boxSelectionEnabled: false,
    textureOnViewport: big,
    hideEdgesOnViewport: big,
    pixelRatio: big ? 1 : 'auto',
  });
  window.cy = cy; // the graph library's own API, for the curious and for the browser test

  // fitView shows the whole layout: its extent is known from the positions
  // hound computed, so it needs no measuring of 15,000 elements.
  function fitView() {
    let x1 = Infinity, y1 = Infinity, x2 = -Infinity, y2 = -Infinity;
    for (const p of data.nodes) {
      x1 = Math.min(x1, p.x); x2 = Math.max(x2, p.x);
      y1 = Math.min(y1, p.y); y2 = Math.max(y2, p.y);
    }
    if (x1 > x2) return;
    const margin = big ? 60 : 120, w = cy.width(), h = cy.height(); // room for the labels
    const zoom = Math.min(cy.maxZoom(), Math.max(cy.minZoom(), Math.min(w / (x2 - x1 + 2 * margin), h / (y2 - y1 + 2 * margin), 1.5)));
    cy.viewport({zoom: zoom, pan: {x: w / 2 - zoom * (x1 + x2) / 2, y: h / 2 - zoom * (y1 + y2) / 2}});
  }
  fitView();
  // A small graph shows every label, about 9 pixels high once fitted; a
  // large one shows them as you zoom in (min-zoomed-font-size).
  if (!big) cy.style().selector('node.named').style('font-size', Math.min(24, Math.max(10, 9 / cy.zoom()))).update();

  cy.on('tap', 'node', ev => showNode(ev.target.id()));
  cy.on('tap', 'edge', ev => showEdge(Number(ev.target.id().slice(1))));
  document.getElementById('fit').addEventListener('click', fitView);

  function focus(ele) {
    cy.elements().unselect();
    ele.select();
    if (cy.zoom() < 0.6) cy.zoom({level: 0.8, position: ele.isNode() ? ele.position() : ele.midpoint()});
    cy.center(ele);
  }

  // --- the side panel --------------------------------------------------

  const panel = document.getElementById('panel');

  // items lists things one block each: a panel is too narrow for tables of hashes.
  function items(list, render, onClick) {
    const ul = el('ul', {className: 'items'});
    for (const x of list.slice(0, 200)) {
      const li = el('li', {}, ...render(x));
      if (onClick) {
        li.classList.add('link');
        li.addEventListener('click', () => onClick(x));
      }
      ul.append(li);
    }
    if (list.length > 200) ul.append(el('li', {className: 'hint'}, 'and ' + (list.length - 200) + ' more'));
    return ul;
  }

  function flowItems(edges, other) {
    return items(edges, e => [
      el('div', {}, el('b', {}, amount(e.tainted, e.chain, e.asset) + ' tainted'), ' of ' + amount(e.amount, e.chain, e.asset) +
        ' \u00b7 hop ' + e.hop + ' \u00b7 ' + when(e.time)),
      el('div', {}, other + ' ', mono(e[other])),
      el('div', {}, 'tx ', mono(e.tx))], e => showEdge(e.id, true));
  }

  function freezeItems(rows) {
    return items(rows, r => [
      el('div', {}, r.chain + ' deposit address ', mono(r.deposit_address)),
      el('div', {}, el('b', {}, r.tainted_display + ' tainted'), ' of ' + r.amount_display + ' \u00b7 ' + when(r.time)),
      el('div', {}, 'deposit tx ', mono(r.tx || '(not among the flows)')),
      r.sweep_tx ? el('div', {}, 'swept to ', mono(r.wallet), ' in tx ', mono(r.sweep_tx)) : el('div', {}, 'not swept yet')]);
  }

  function findingItems(list) {
    return items(list, i => {
      const f = doc.findings[i];
      return [
        el('div', {}, el('b', {}, f.kind), ' \u00b7 ' + amount(f.tainted, f.chain, f.asset) + ' tainted of ' + amount(f.amount, f.chain, f.asset) +
          ' \u00b7 hop ' + f.hop + ' \u00b7 confidence ' + f.confidence),
        el('div', {}, data.details[i] || ''),
        el('div', {}, 'tx ', mono(f.tx), ' \u00b7 ' + when(f.time))];
    });
  }

  function showNode(id, center) {
    const i = nodeIndex.get(id);
    if (i === undefined) return;
    const n = doc.nodes[i], p = data.nodes[i];
    if (center) focus(cy.getElementById(id));
    panel.replaceChildren(
      el('h2', {}, p.e || short(n.address), ' ', el('span', {className: 'badge', style: 'background:' + (data.colours[p.c] || '#b0bec5')}, p.c)),
      el('p', {}, n.chain, ' ', mono(n.address)));
    if (seeds.has(n.id)) panel.append(el('p', {}, 'A seed of the trace: fully tainted.'));
    if (n.labels.length) {
      panel.append(el('h3', {}, 'Labels'), table(['category', 'entity', 'source'], n.labels.map(l => [l.category, l.entity, l.source])));
    }
    if (n.tainted.length) {
      panel.append(el('h3', {}, 'Tainted value received'),
        el('p', {}, n.tainted.map(t => amount(t.amount, n.chain, t.asset)).join(', ')));
    }
    const fs = findingsAt.get(n.id) || [];
    if (fs.length) panel.append(el('h3', {}, 'Findings'), findingItems(fs));
    // An exchange shows its freeze-request packet; a deposit address its own rows.
    let rows = [];
    if (p.c === 'exchange' && p.e) rows = data.freeze.filter(r => r.exchange === p.e);
    else if (p.c === 'deposit') rows = data.freeze.filter(r => r.deposit_address === n.address && r.chain === n.chain);
    if (rows.length) {
      panel.append(el('h3', {}, 'Deposits to freeze at ' + rows[0].exchange), freezeItems(rows));
    }
    const ins = flowsIn.get(n.id) || [], outs = flowsOut.get(n.id) || [];
    panel.append(el('h3', {}, 'Tainted flows in (' + ins.length + ')'), flowItems(ins, 'from'));
    panel.append(el('h3', {}, 'Tainted flows out (' + outs.length + ')'), flowItems(outs, 'to'));
  }

  function showEdge(id, center) {
    const e = doc.edges[edgeIndex.get(id)];
    if (!e) return;
    if (center) focus(cy.getElementById('e' + id));
    const kind = data.edges[edgeIndex.get(id)].k;
    panel.replaceChildren(
      el('h2', {}, 'Flow ' + e.id, kind === 'cross' ? ' (cross-chain leg)' : kind === 'swap' ? ' (conversion)' : ''),
      table(null, [
        ['tx', mono(e.tx)], ['chain', e.chain], ['block', e.block], ['time', when(e.time)],
        ['from', mono(e.from)], ['to', mono(e.to)], ['asset', e.asset],
        ['amount', amount(e.amount, e.chain, e.asset)], ['tainted', amount(e.tainted, e.chain, e.asset)], ['hop', e.hop]]));
    const fs = doc.findings.map((f, i) => f.edge === e.id ? i : -1).filter(i => i >= 0);
    if (fs.length) panel.append(el('h3', {}, 'Findings'), findingItems(fs));
    for (const [label, nid] of [['from', e.from], ['to', e.to]]) {
      const b = el('button', {type: 'button'}, 'Show ' + label + ' node');
      b.addEventListener('click', () => showNode(nid, true));
      panel.append(b, ' ');
    }
  }

  // --- search ----------------------------------------------------------

  const search = document.getElementById('search'), said = document.getElementById('search-result');
  search.addEventListener('change', () => {
    const q = search.value.trim().toLowerCase();
    said.textContent = '';
    if (q.length < 3) return;
    const nodes = doc.nodes.filter(n => n.id.toLowerCase().includes(q) || n.address.toLowerCase().includes(q));
    const edges = doc.edges.filter(e => e.tx.toLowerCase().includes(q));
    said.textContent = nodes.length + ' node(s), ' + edges.length + ' flow(s)';
    if (nodes.length) showNode(nodes[0].id, true);
    else if (edges.length) showEdge(edges[0].id, true);
  });

  // --- the tables ------------------------------------------------------

  function summary() {
    const exchanges = new Set(data.freeze.map(r => r.exchange));
    document.getElementById('summary').textContent =
      'Trace of ' + doc.seeds.length + ' seed(s) under the ' + doc.model + ' model: ' + doc.findings.length + ' finding(s), ' +
      doc.edges.length + ' tainted flow(s), ' + doc.nodes.length + ' node(s); ' + data.freeze.length +
      ' tainted deposit(s) at ' + exchanges.size + ' exchange(s).';
    const legend = document.getElementById('legend');
    const names = {theft: 'theft source', exchange: 'exchange', deposit: 'exchange deposit address', mixer: 'mixer', bridge: 'bridge',
      dex: 'DEX', service: 'other service', sanctioned: 'sanctioned', unlabelled: 'unlabelled', tx: 'Bitcoin transaction'};
    for (const [c, name] of Object.entries(names)) {
      legend.append(el('li', {}, el('span', {className: 'swatch', style: 'background:' + data.colours[c]}), name));
    }
    legend.append(el('li', {}, el('span', {className: 'line', style: 'border-top-style:dashed;border-color:' + data.colours.bridge}), 'cross-chain leg'),
      el('li', {}, el('span', {className: 'line', style: 'border-top-style:dotted;border-color:' + data.colours.dex}), 'conversion (swap, wrap)'),
      el('li', {}, 'edge width: tainted amount, relative to the largest flow of its asset'));
  }

  function freezeSection() {
    const body = document.getElementById('freeze-body');
    const byExchange = new Map();
    for (const r of data.freeze) {
      if (!byExchange.has(r.exchange)) byExchange.set(r.exchange, []);
      byExchange.get(r.exchange).push(r);
    }
    if (!byExchange.size) body.append(el('p', {}, 'No tainted deposit at an exchange was found.'));
    const rowsTable = rows => table(['deposit address', 'chain', 'deposit tx', 'time', 'amount', 'tainted', 'exchange wallet', 'sweep tx', 'confidence', 'heuristic'],
      rows.map(r => [mono(r.deposit_address), r.chain, mono(r.tx), when(r.time), r.amount_display, r.tainted_display,
        mono(r.wallet), mono(r.sweep_tx), r.confidence, r.heuristic]));
    for (const [ex, rows] of byExchange) {
      const addrs = new Set(rows.map(r => r.chain + ' ' + r.deposit_address));
      const box = el('div', {className: 'exchange'}, el('h3', {}, ex + ': ' + addrs.size + ' deposit address(es), ' + rows.length + ' deposit transaction(s)'));
      if (rows.length <= 25) {
        box.append(rowsTable(rows));
      } else { // a long packet opens on demand, so that a large trace's page stays quick
        const more = el('details', {}, el('summary', {}, 'the ' + rows.length + ' deposit transactions'));
        more.addEventListener('toggle', () => { if (more.open && more.children.length === 1) more.append(rowsTable(rows)); });
        box.append(more);
      }
      box.append(el('details', {}, el('summary', {}, 'CSV for ' + ex), el('textarea', {readOnly: true, value: data.freeze_csv[ex] || ''})));
      body.append(box);
    }
  }

  function findingsTable() {
    const t = document.getElementById('findings');
    const cols = [
      ['hop', f => f.hop, f => f.hop],
      ['kind', f => f.kind],
      ['entity', f => f.entity],
      ['chain', f => f.chain],
      ['address', f => f.address, null, 'hash'],
      ['tainted (of)', f => amount(f.tainted, f.chain, f.asset) + ' of ' + amount(f.amount, f.chain, f.asset),
        f => parseFloat(amount(f.tainted, f.chain, f.asset)) || 0],
      ['tx', f => f.tx, null, 'hash'],
      ['time', f => when(f.time)],
      ['confidence', f => f.confidence, f => parseFloat(f.confidence)],
      ['detail', (f, i) => data.details[i] || '', null, 'detail'],
    ];
    let order = doc.findings.map((f, i) => i), sortBy = -1, dir = 1;
    const head = el('tr', {}, ...cols.map(([name], c) => {
      const th = el('th', {}, name);
      th.addEventListener('click', () => {
        dir = sortBy === c ? -dir : 1;
        sortBy = c;
        const key = cols[c][2] || cols[c][1];
        order.sort((a, b) => {
          const x = key(doc.findings[a], a), y = key(doc.findings[b], b);
          return (x < y ? -1 : x > y ? 1 : a - b) * dir;
        });
        head.querySelectorAll('th').forEach((h, k) => h.className = k === c ? (dir > 0 ? 'asc' : 'desc') : '');
        render();
      });
      return th;
    }));
    const body = el('tbody');
    t.append(el('thead', {}, head), body);
    function render() {
      body.replaceChildren(...order.map(i => {
        const f = doc.findings[i];
        const tr = el('tr', {}, ...cols.map(([, show, , kind]) => {
          const v = String(show(f, i));
          return kind === 'hash' ? el('td', {className: 'mono nowrap', title: v}, short(v)) : el('td', {className: kind || ''}, v);
        }));
        tr.addEventListener('click', () => {
          const e = doc.edges[edgeIndex.get(f.edge)];
          const at = (nodesAt.get(f.chain + ' ' + f.address) || [])[0] || (e && e.to);
          if (at) showNode(at, true);
          window.scrollTo({top: 0});
        });
        return tr;
      }));
    }
    render();
  }

  // The timeline: one dot per tainted flow, one lane per chain and asset,
  // the dot's size by tainted amount relative to the largest flow of its
  // asset. Flows are placed in time order, each distinct time a step: a
  // laundering's bursts and the gaps between them (hours, months) would
  // not share one linear axis.
  function timeline() {
    const box = document.getElementById('timeline');
    const edges = doc.edges.filter(e => e.time);
    if (!edges.length) { box.append(el('p', {}, 'No timed flows.')); return; }
    const ns = 'http://www.w3.org/2000/svg';
    const svgEl = (tag, attrs) => {
      const e = document.createElementNS(ns, tag);
      for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
      return e;
    };
    const lanes = [...new Set(edges.map(e => e.chain + ' ' + e.asset))];
    const times = [...new Set(edges.map(e => e.time))].sort();
    const step = new Map(times.map((t, k) => [t, k]));
    const W = 1000, left = 150, right = 20, laneH = 40, top = 10, H = top + lanes.length * laneH + 30;
    const xOf = t => left + (times.length > 1 ? step.get(t) / (times.length - 1) : 0.5) * (W - left - right);
    const svg = svgEl('svg', {viewBox: '0 0 ' + W + ' ' + H, height: H});
    lanes.forEach((l, k) => {
      const y = top + k * laneH + laneH / 2;
      svg.append(svgEl('line', {x1: left, x2: W - right, y1: y, y2: y, stroke: '#e0e0e0'}));
      const a = data.assets[l];
      const label = svgEl('text', {x: 4, y: y + 4, 'font-size': 12, fill: '#424242'});
      label.textContent = l.split(' ')[0] + ' ' + (a && a.known ? a.symbol : short(l.split(' ')[1]));
      svg.append(label);
    });
    const ticks = Math.min(times.length, 5);
    for (let k = 0; k < ticks; k++) {
      const t = times[Math.round(k * (times.length - 1) / Math.max(ticks - 1, 1))];
      const anchor = ticks === 1 ? 'middle' : k === 0 ? 'start' : k === ticks - 1 ? 'end' : 'middle';
      const tick = svgEl('text', {x: xOf(t), y: H - 8, 'font-size': 11, fill: '#616161', 'text-anchor': anchor});
      tick.textContent = when(t);
      svg.append(tick);
    }
    for (const e of edges) {
      const i = edgeIndex.get(e.id);
      const c = svgEl('circle', {cx: xOf(e.time).toFixed(1), cy: top + lanes.indexOf(e.chain + ' ' + e.asset) * laneH + laneH / 2,
        r: (1 + data.edges[i].w / 2).toFixed(1), fill: data.edges[i].k === 'cross' ? data.colours.bridge : '#546e7a', 'fill-opacity': 0.6,
        'data-edge': e.id});
      svg.append(c);
    }
    // One listener for all the dots: a readout on hover, the flow on click.
    const readout = el('p', {className: 'hint'}, 'Point at a dot for its flow; click it to show the flow in the graph.');
    const edgeOf = ev => ev.target.dataset && ev.target.dataset.edge !== undefined ? doc.edges[edgeIndex.get(Number(ev.target.dataset.edge))] : null;
    svg.addEventListener('mouseover', ev => {
      const e = edgeOf(ev);
      if (e) readout.textContent = when(e.time) + ' \u00b7 ' + amount(e.tainted, e.chain, e.asset) + ' tainted of ' +
        amount(e.amount, e.chain, e.asset) + ' \u00b7 hop ' + e.hop + ' \u00b7 tx ' + e.tx;
    });
    svg.addEventListener('click', ev => {
      const e = edgeOf(ev);
      if (e) { showEdge(e.id, true); window.scrollTo({top: 0}); }
    });
    box.append(el('p', {className: 'hint'}, 'In time order: each step is a distinct time, so bursts and long gaps share one axis.'), svg, readout);
  }

  function hopsTable() {
    const t = document.getElementById('hops');
    const rows = data.hops.map(h => [h.hop, h.chain, h.flows, h.tainted]);
    t.replaceWith(Object.assign(table(['hop', 'chain', 'flows', 'tainted'], rows), {id: 'hops'}));
  }

  function footer() {
    const r = data.repro, f = document.getElementById('repro');
    const dl = el('dl');
    const item = (k, v) => dl.append(el('dt', {}, k), el('dd', {}, v));
    item('Hound', r.version);
    item('taint model', r.model);
    item('parameters', r.parameters.length ? r.parameters.map(p => p.name + '=' + p.value).join('  ') : '(not recorded)');
    item('store heights', Object.keys(r.heights).sort().map(c => c + ' ' + r.heights[c]).join(', ') || '(none)');
    for (const s of r.seeds) {
      item('seed', el('span', {}, mono(s.seed), s.labels.length ? ' \u2014 ' + s.labels.map(l => l.category + ': ' + l.entity + ' (source: ' + (l.source || 'none') + ')').join('; ') : ' \u2014 unlabelled'));
    }
    item('inputs SHA-256', mono(r.inputs_sha256));
    item('result SHA-256', mono(r.result_sha256));
    if (r.generated) item('written', when(r.generated));
    item('drawn with', r.library + ' (MIT licence)');
    f.append(el('h2', {}, 'Reproducibility'), dl,
      el('p', {className: 'hint'}, 'The inputs hash covers the version, model, parameters, seeds and store heights; the result hash the trace document embedded in this page. Run the same parameters over a store at the same heights to reproduce the trace.'));
  }

  // A large trace builds its long sections when they scroll into view: the
  // graph comes first.
  function whenVisible(id, build) {
    const box = document.getElementById(id);
    if (!big || !window.IntersectionObserver) return build();
    const watch = new IntersectionObserver(entries => {
      if (entries.some(e => e.isIntersecting)) {
        watch.disconnect();
        build();
      }
    });
    watch.observe(box);
  }

  summary();
  freezeSection();
  whenVisible('findings', findingsTable);
  whenVisible('timeline', timeline);
  hopsTable();
  footer();

  // Ready once the graph has been drawn: the browser test and the
  // benchmark wait for this.
  cy.one('render', () => {
    window.houndReadyAt = performance.now();
    window.houndReady = true;
  });
})();
