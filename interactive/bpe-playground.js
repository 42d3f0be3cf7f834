/* The tokenizer playground of the chapter "Working with text" (nbs/02_working_with_text.ipynb).

   GPT-2's byte-level BPE, run in the browser on what the reader types: the same algorithm as
   llmscratch's BPETokenizer.encode_ordinary, so the ids are GPT-2's (and tiktoken's).

   1. Pre-tokenization: GPT-2's pattern cuts the text into chunks; merges never cross a chunk.
   2. Each chunk becomes its UTF-8 bytes, and each byte the id of its byte token.
   3. Merging: find the adjacent pair of lowest rank, replace every occurrence of it, left to right,
      by its merged id; repeat until no adjacent pair is a merge.

   Its data, window.llmscratchData["gpt2-bpe"], comes from interactive/data/gpt2-bpe.js, which a cell
   of the chapter writes from the package's tokenizer: the pattern (in JavaScript's syntax), the 256
   byte ids, and the 50,000 merges in rank order as a flat list of id pairs; merge r makes id
   first_merge_id + r. Markup: <div class="llms-widget llms-bpe" data-lang="en|zh"></div>, then
   common.js (the helpers the figures share), the data script and this one; no other library, no
   network, so it runs from file:// as well. */
(function () {
  "use strict";

  var W = window.llmscratchWidgets, make = W.make;
  var TEXT = {
    en: {
      label: "Type any text:",
      counts: function (t, c, b) { return t + " tokens · " + c + " characters · " + b + " UTF-8 bytes"; },
      ids: "Token ids",
      hint: "Each coloured span is one token; hover over it for its id and bytes. A token that holds " +
        "only part of a character's bytes shows those bytes in hex. ↵ marks a newline, ⇥ a tab. " +
        "Special-token strings such as <|endoftext|> are read as plain text.",
      token: "token", bytes: "bytes",
      missing: "The tokenizer's data (interactive/data/gpt2-bpe.js) did not load."
    },
    zh: {
      label: "输入任意文本：",
      counts: function (t, c, b) { return t + " 个词元 · " + c + " 个字符 · " + b + " 个 UTF-8 字节"; },
      ids: "词元 ID",
      hint: "每个彩色片段是一个词元，鼠标悬停可查看它的 ID 和字节。只包含某个字符一部分字节的词元，" +
        "以十六进制显示这些字节。↵ 表示换行，⇥ 表示制表符。<|endoftext|> 之类的特殊词元字符串按普通文本处理。",
      token: "词元", bytes: "字节",
      missing: "分词器的数据（interactive/data/gpt2-bpe.js）没有加载。"
    }
  };
  var HUES = [210, 30, 140, 280, 0, 175, 50, 320];

  // ------------------------------------------------------------------ the tokenizer

  function Tokenizer(data) {
    this.byteIds = data.byte_ids;
    this.merges = data.merges;
    this.first = data.first_merge_id;
    this.ranks = new Map();  // left * 65536 + right -> rank (ids are below 65536)
    for (var r = 0; r < this.merges.length / 2; r++) {
      this.ranks.set(this.merges[2 * r] * 65536 + this.merges[2 * r + 1], r);
    }
    this.byteOf = new Map();  // byte token id -> byte value
    for (var b = 0; b < 256; b++) this.byteOf.set(this.byteIds[b], b);
    this.pattern = new RegExp(data.pattern, "gu");
    this.encoder = new TextEncoder();
    this.cache = new Map();
    this.bytesCache = new Map();
  }

  Tokenizer.prototype.encodeChunk = function (chunk) {
    var bytes = this.encoder.encode(chunk), ids = [], i;
    for (i = 0; i < bytes.length; i++) ids.push(this.byteIds[bytes[i]]);
    while (ids.length > 1) {
      var best = Infinity;
      for (i = 0; i + 1 < ids.length; i++) {
        var r = this.ranks.get(ids[i] * 65536 + ids[i + 1]);
        if (r !== undefined && r < best) best = r;
      }
      if (best === Infinity) break;
      var a = this.merges[2 * best], b = this.merges[2 * best + 1], merged = this.first + best, out = [];
      for (i = 0; i < ids.length; i++) {
        if (i + 1 < ids.length && ids[i] === a && ids[i + 1] === b) { out.push(merged); i++; }
        else out.push(ids[i]);
      }
      ids = out;
    }
    return ids;
  };

  Tokenizer.prototype.encode = function (text) {
    var chunks = text.match(this.pattern) || [], out = [];
    for (var k = 0; k < chunks.length; k++) {
      var ids = this.cache.get(chunks[k]);
      if (ids === undefined) { ids = this.encodeChunk(chunks[k]); this.cache.set(chunks[k], ids); }
      for (var j = 0; j < ids.length; j++) out.push(ids[j]);
    }
    return out;
  };

  Tokenizer.prototype.bytes = function (id) {  // the bytes a token id stands for
    var known = this.bytesCache.get(id);
    if (known) return known;
    var out;
    if (this.byteOf.has(id)) out = [this.byteOf.get(id)];
    else {
      var r = id - this.first;
      out = this.bytes(this.merges[2 * r]).concat(this.bytes(this.merges[2 * r + 1]));
    }
    this.bytesCache.set(id, out);
    return out;
  };

  // ------------------------------------------------------------------ the page

  var strict = new TextDecoder("utf-8", { fatal: true });

  function hex(bytes) {
    return bytes.map(function (b) { return (b < 16 ? "0" : "") + b.toString(16); }).join(" ");
  }

  function tokenSpan(tok, id, index, t) {
    var bytes = tok.bytes(id), span = make("span", "llms-token"), text = null;
    try { text = strict.decode(new Uint8Array(bytes)); } catch (e) { text = null; }
    var hue = HUES[index % HUES.length];
    span.style.background = "hsla(" + hue + ", 75%, 55%, 0.28)";
    span.setAttribute("data-id", String(id));
    span.title = t.token + " " + id + " · " + t.bytes + " " + hex(bytes);
    if (text === null) {
      span.classList.add("llms-partial");
      span.textContent = hex(bytes);
    } else {
      // whitespace stays in place (so the text reads as typed), newlines and tabs get a visible mark
      var parts = text.split(/(\n|\t)/);
      for (var k = 0; k < parts.length; k++) {
        if (parts[k] === "\n") { span.appendChild(make("span", "llms-ws", "↵")); span.appendChild(document.createTextNode("\n")); }
        else if (parts[k] === "\t") { span.appendChild(make("span", "llms-ws", "⇥")); span.appendChild(document.createTextNode("\t")); }
        else if (parts[k]) span.appendChild(document.createTextNode(parts[k]));
      }
    }
    return span;
  }

  function render(el, data, t) {
    var tok = new Tokenizer(data);

    var label = make("label", null, t.label), box = make("textarea");
    box.rows = 3;
    box.spellcheck = false;
    box.value = data.example.text;
    box.setAttribute("aria-label", t.label);
    label.appendChild(box);
    var counts = make("div", "llms-muted llms-counts"), tokens = make("div", "llms-tokens");
    var idsTitle = make("div", "llms-muted", t.ids), ids = make("div", "llms-ids");
    tokens.setAttribute("data-role", "tokens");
    ids.setAttribute("data-role", "ids");
    counts.setAttribute("data-role", "counts");
    [label, counts, tokens, idsTitle, ids, make("p", "llms-muted", t.hint)].forEach(function (e) { el.appendChild(e); });

    function update() {
      var text = box.value, out = tok.encode(text);
      tokens.textContent = "";
      for (var i = 0; i < out.length; i++) tokens.appendChild(tokenSpan(tok, out[i], i, t));
      ids.textContent = "[" + out.join(", ") + "]";
      counts.textContent = t.counts(out.length, Array.from(text).length, tok.encoder.encode(text).length);
      el.setAttribute("data-token-count", String(out.length));
    }
    box.addEventListener("input", update);
    update();
  }

  W.boot(".llms-bpe", "gpt2-bpe", TEXT, render);
})();
