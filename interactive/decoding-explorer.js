/* The decoding explorer of the chapter "A GPT model" (nbs/04_gpt.ipynb, "Temperature, top-k and top-p").

   Sliders for temperature, top-k and top-p over stored next-token logits; the bars show the
   distribution that llmscratch.generate.sample_next draws from, computed with its steps in its order:
   temperature 0 is greedy (all the probability on the largest logit); otherwise the logits are
   divided by the temperature, those below the k-th largest are cut, then, in descending order, every
   candidate whose more likely predecessors already hold top_p of the probability is cut, and softmax
   gives the rest. Top-k = number of candidates and top-p = 1 cut nothing.

   Its data, window.llmscratchData["decoding"], comes from interactive/data/decoding.js, which a cell of
   the chapter writes: for each prompt, the largest logits of SmolLM2-135M-Instruct at the next
   position, with their tokens. The probabilities are over those candidates only. Markup:
   <div class="llms-widget llms-decoding" data-lang="en|zh"></div>, then common.js (the helpers the figures
   share), the data script and this one. */
(function () {
  "use strict";

  var W = window.llmscratchWidgets, make = W.make;
  var TEXT = {
    en: {
      prompt: "Prompt:", temperature: "Temperature", topk: "Top-k", topp: "Top-p",
      greedy: "0 (greedy)", all: function (n) { return n + " (all)"; }, off: "1 (off)",
      summary: function (kept, n, mass) {
        return "Kept: " + kept + " of the " + n + " most likely next tokens, which hold " + mass +
          " of the model's probability at temperature 1. Struck-out grey bars are the tokens that " +
          "top-k or top-p cut (the bar is their probability before the cut).";
      },
      missing: "The explorer's data (interactive/data/decoding.js) did not load."
    },
    zh: {
      prompt: "提示词：", temperature: "温度", topk: "top-k", topp: "top-p",
      greedy: "0（贪心）", all: function (n) { return n + "（全部）"; }, off: "1（不截断）",
      summary: function (kept, n, mass) {
        return "保留了最可能的 " + n + " 个下一词元中的 " + kept + " 个；温度为 1 时，这 " + n +
          " 个词元占模型全部概率的 " + mass + "。划掉的灰色横条是被 top-k 或 top-p 截掉的词元" +
          "（横条长度是它们在截断之前的概率）。";
      },
      missing: "交互图的数据（interactive/data/decoding.js）没有加载。"
    }
  };

  function softmax(z) {
    var m = -Infinity, i, s = 0, out = new Array(z.length);
    for (i = 0; i < z.length; i++) if (z[i] > m) m = z[i];
    for (i = 0; i < z.length; i++) { out[i] = z[i] === -Infinity ? 0 : Math.exp(z[i] - m); s += out[i]; }
    for (i = 0; i < z.length; i++) out[i] /= s;
    return out;
  }

  // The distribution sample_next samples from, and the one before the cuts (for the grey bars).
  function distribution(logits, temperature, topK, topP) {
    var n = logits.length, i;
    if (temperature === 0) {
      var best = 0;
      for (i = 1; i < n; i++) if (logits[i] > logits[best]) best = i;
      var one = logits.map(function (_, j) { return j === best ? 1 : 0; });
      return { probs: one, before: one };
    }
    var z = logits.map(function (l) { return l / temperature; });
    var before = softmax(z);
    if (topK < n) {
      var kth = z.slice().sort(function (a, b) { return b - a; })[topK - 1];
      z = z.map(function (v) { return v < kth ? -Infinity : v; });
    }
    if (topP < 1) {
      var order = z.map(function (_, j) { return j; });
      order.sort(function (a, b) { return z[b] - z[a] || a - b; });
      var q = softmax(order.map(function (j) { return z[j]; })), cum = 0, drop = [];
      for (i = 0; i < n; i++) {
        cum += q[i];
        if (cum - q[i] >= topP) drop.push(order[i]);  // the more likely ones already hold top_p
      }
      drop.forEach(function (j) { z[j] = -Infinity; });
    }
    return { probs: softmax(z), before: before };
  }

  function shown(token) {  // a leading or trailing space made visible
    return token.replace(/^ /, "␣").replace(/ $/, "␣").replace(/\n/g, "↵").replace(/\t/g, "⇥");
  }

  function percent(p) {
    if (p === 0) return "0";
    if (p < 0.0005) return "<0.1%";
    return (100 * p).toFixed(1) + "%";
  }

  function slider(name, min, max, step, value) {
    var box = make("span", "llms-control"), label = make("label", null, name), input = make("input"), out = make("output");
    input.type = "range";
    input.min = String(min); input.max = String(max); input.step = String(step); input.value = String(value);
    input.setAttribute("aria-label", name);
    label.appendChild(input);
    box.appendChild(label);
    box.appendChild(out);
    return { box: box, input: input, out: out };
  }

  function render(el, data, t) {
    var n = data.prompts[0].logits.length, current = 0;

    var prompts = make("div", "llms-row");
    prompts.appendChild(make("span", "llms-muted", t.prompt));
    var buttons = data.prompts.map(function (p, k) {
      var b = make("button", "llms-choice", p.text + " …");
      b.type = "button";
      b.setAttribute("data-prompt", String(k));
      b.addEventListener("click", function () { current = k; update(); });
      prompts.appendChild(b);
      return b;
    });
    var s = data.settings;
    var temp = slider(t.temperature, 0, 2, 0.05, s.temperature);
    var topk = slider(t.topk, 1, n, 1, s.top_k);
    var topp = slider(t.topp, 0.05, 1, 0.05, s.top_p);
    temp.input.setAttribute("data-role", "temperature");
    topk.input.setAttribute("data-role", "top-k");
    topp.input.setAttribute("data-role", "top-p");
    var controls = make("div", "llms-row");
    [temp, topk, topp].forEach(function (c) { controls.appendChild(c.box); c.input.addEventListener("input", update); });
    var bars = make("div", "llms-bars"), summary = make("p", "llms-muted");
    bars.setAttribute("data-role", "bars");
    summary.setAttribute("data-role", "summary");
    [prompts, controls, bars, summary].forEach(function (e) { el.appendChild(e); });

    function update() {
      var T = parseFloat(temp.input.value), k = parseInt(topk.input.value, 10), p = parseFloat(topp.input.value);
      temp.out.textContent = T === 0 ? t.greedy : T.toFixed(2);
      topk.out.textContent = k >= n ? t.all(n) : String(k);
      topp.out.textContent = p >= 1 ? t.off : p.toFixed(2);
      buttons.forEach(function (b, j) { b.setAttribute("aria-pressed", j === current ? "true" : "false"); });
      var prompt = data.prompts[current], d = distribution(prompt.logits, T, k, p);
      var top = Math.max.apply(null, d.probs.concat(d.before)), kept = 0;
      bars.textContent = "";
      for (var i = 0; i < n; i++) {
        var cut = d.probs[i] === 0, label = make("span", "llms-tok", shown(prompt.tokens[i]));
        var track = make("span", "llms-track"), bar = make("span", "llms-bar"), pct = make("span", "llms-pct", percent(d.probs[i]));
        bar.style.display = "block";
        bar.style.width = (100 * (cut ? d.before[i] : d.probs[i]) / top) + "%";
        track.appendChild(bar);
        track.setAttribute("data-index", String(i));
        track.setAttribute("data-prob", String(d.probs[i]));
        track.setAttribute("data-kept", cut ? "0" : "1");
        track.title = JSON.stringify(prompt.tokens[i]) + " · logit " + prompt.logits[i];
        if (cut) { label.classList.add("llms-cut"); track.classList.add("llms-cut"); pct.classList.add("llms-cut"); }
        else kept++;
        bars.appendChild(label); bars.appendChild(track); bars.appendChild(pct);
      }
      summary.textContent = t.summary(kept, n, percent(prompt.mass));
      el.setAttribute("data-kept", String(kept));
    }
    update();
  }

  W.boot(".llms-decoding", "decoding", TEXT, render);
})();
