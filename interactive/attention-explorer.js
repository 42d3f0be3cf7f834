/* The attention explorer of the chapter "From GPT-2 to a modern open model" (nbs/06_llama.ipynb).

   Pick a layer and a query head of SmolLM2-135M-Instruct and see its attention weights over one
   sentence as a heatmap: row i is the query at token i, column j the key at token j, and the cell's
   shade is the weight, the share of token j's value in token i's output. Each row sums to 1; the
   cells above the diagonal are the causal mask's (a token never sees the tokens after it).

   Its data, window.llmscratchData["attention"], comes from interactive/data/attention.js, which a cell
   of the chapter writes from the model's attention modules (return_weights=True): the tokens, and for
   every layer and head the rows of the weights up to the diagonal, rounded to 3 decimals. Markup:
   <div class="llms-widget llms-attention" data-lang="en|zh"></div>, then common.js (the helpers the figures
   share), the data script and this one. */
(function () {
  "use strict";

  var W = window.llmscratchWidgets, make = W.make;
  var SVGNS = "http://www.w3.org/2000/svg";
  var TEXT = {
    en: {
      layer: "Layer", head: "Query head", values: "show the weights",
      group: function (h, others, kv) {
        return "Query head " + h + " shares its keys and values (key/value head " + kv + ") with query heads " +
          others.slice(0, -1).join(", ") + (others.length > 1 ? " and " : "") + others[others.length - 1] + ".";
      },
      cell: function (q, k, w) { return "query “" + q + "” → key “" + k + "”: " + w; },
      masked: "above the diagonal: masked, weight 0",
      hint: "Rows: the token that attends (query); columns: the tokens it attends to (keys). Hover over a cell for its weight.",
      missing: "The explorer's data (interactive/data/attention.js) did not load."
    },
    zh: {
      layer: "层", head: "查询头", values: "显示权重数值",
      group: function (h, others, kv) {
        return "查询头 " + h + " 与查询头 " + others.join("、") + " 共用同一组键和值（键/值头 " + kv + "）。";
      },
      cell: function (q, k, w) { return "查询“" + q + "” → 键“" + k + "”：" + w; },
      masked: "对角线以上：被因果掩码遮住，权重为 0",
      hint: "行：发出注意力的词元（查询）；列：它所关注的词元（键）。鼠标悬停在格子上可查看权重。",
      missing: "交互图的数据（interactive/data/attention.js）没有加载。"
    }
  };

  function svg(tag, attrs, text) {
    var e = document.createElementNS(SVGNS, tag);
    for (var k in attrs) e.setAttribute(k, String(attrs[k]));
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function shown(token) {
    return token.replace(/^ /, "␣").replace(/\n/g, "↵");
  }

  function render(el, data, t) {
    var n = data.tokens.length, group = data.n_heads / data.n_kv_heads;
    var layer = data["default"].layer, head = data["default"].head;

    var controls = make("div", "llms-row");
    var layerBox = make("span", "llms-control"), layerLabel = make("label", null, t.layer), layerInput = make("input"), layerOut = make("output");
    layerInput.type = "range"; layerInput.min = "0"; layerInput.max = String(data.n_layers - 1); layerInput.step = "1";
    layerInput.value = String(layer);
    layerInput.setAttribute("data-role", "layer");
    layerInput.setAttribute("aria-label", t.layer);
    layerLabel.appendChild(layerInput);
    layerBox.appendChild(layerLabel); layerBox.appendChild(layerOut);
    controls.appendChild(layerBox);
    var headBox = make("span", "llms-control");
    headBox.appendChild(make("span", null, t.head));
    var heads = [];
    for (var h = 0; h < data.n_heads; h++) {
      var b = make("button", "llms-choice llms-g" + Math.floor(h / group) % 3, String(h));
      b.type = "button";
      b.setAttribute("data-head", String(h));
      b.addEventListener("click", (function (k) { return function () { head = k; update(); }; })(h));
      headBox.appendChild(b);
      heads.push(b);
    }
    controls.appendChild(headBox);
    var valuesLabel = make("label", "llms-muted"), values = make("input");
    values.type = "checkbox";
    values.setAttribute("data-role", "values");
    valuesLabel.appendChild(values);
    valuesLabel.appendChild(document.createTextNode(" " + t.values));
    controls.appendChild(valuesLabel);
    var info = make("div", "llms-muted"), readout = make("div", "llms-readout"), holder = make("div");
    info.setAttribute("data-role", "group");
    [controls, info, make("div", "llms-muted", t.hint), holder, readout].forEach(function (e) { el.appendChild(e); });
    layerInput.addEventListener("input", function () { layer = parseInt(layerInput.value, 10); update(); });
    values.addEventListener("change", update);

    // layout: labels of the queries on the left, of the keys on top (slanted)
    var cellSize = 30, longest = 0;
    data.tokens.forEach(function (tok) { longest = Math.max(longest, shown(tok).length); });
    var left = 12 + 8 * longest, topRoom = 14 + 6 * longest, width = left + n * cellSize + 10, height = topRoom + n * cellSize + 6;

    function update() {
      layerOut.textContent = layer + " / " + (data.n_layers - 1);
      heads.forEach(function (b, k) { b.setAttribute("aria-pressed", k === head ? "true" : "false"); });
      var kv = Math.floor(head / group);
      var others = [];
      for (var o = kv * group; o < (kv + 1) * group; o++) if (o !== head) others.push(o);
      info.textContent = t.group(head, others, kv);
      var rows = data.weights[layer][head], pic = svg("svg", { viewBox: "0 0 " + width + " " + height, width: width, height: height, role: "img" });
      pic.setAttribute("data-layer", String(layer));
      pic.setAttribute("data-head", String(head));
      pic.setAttribute("data-role", "heatmap");
      for (var i = 0; i < n; i++) {
        var y = topRoom + i * cellSize, x = left + i * cellSize;
        pic.appendChild(svg("text", { x: left - 6, y: y + cellSize / 2 + 4, "text-anchor": "end", "font-size": 12 }, shown(data.tokens[i])));
        pic.appendChild(svg("text", { x: x + cellSize / 2, y: topRoom - 6, "font-size": 12,
          transform: "rotate(-50 " + (x + cellSize / 2) + " " + (topRoom - 6) + ")" }, shown(data.tokens[i])));
        for (var j = 0; j < n; j++) {
          var masked = j > i, w = masked ? 0 : rows[i][j];
          var rect = svg("rect", { x: left + j * cellSize + 1, y: y + 1, width: cellSize - 2, height: cellSize - 2, rx: 2,
            fill: masked ? "rgba(127,127,127,0.10)" : "rgba(37,99,235," + w + ")",
            stroke: "rgba(127,127,127,0.35)", "stroke-width": 0.5 });
          rect.setAttribute("data-q", String(i));
          rect.setAttribute("data-k", String(j));
          rect.setAttribute("data-weight", String(w));
          if (masked) rect.setAttribute("data-masked", "1");
          var tip = masked ? t.masked : t.cell(shown(data.tokens[i]), shown(data.tokens[j]), w.toFixed(3));
          rect.appendChild(svg("title", {}, tip));
          rect.addEventListener("mouseenter", (function (s) { return function () { readout.textContent = s; }; })(tip));
          pic.appendChild(rect);
          if (values.checked && !masked) {
            pic.appendChild(svg("text", { x: left + j * cellSize + cellSize / 2, y: y + cellSize / 2 + 3, "text-anchor": "middle",
              "font-size": 8.5, "pointer-events": "none" }, w.toFixed(2).replace(/^0/, "")));
          }
        }
      }
      holder.textContent = "";
      holder.appendChild(pic);
    }
    update();
  }

  W.boot(".llms-attention", "attention", TEXT, render);
})();
