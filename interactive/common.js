/* What the website's interactive figures share (interactive/bpe-playground.js, decoding-explorer.js,
   attention-explorer.js): one global object, window.llmscratchWidgets, with

   - language(el): "zh" or "en", from the figure's data-lang (else the page's lang attribute);
   - make(tag, cls, text): a new element, with its class and text when given;
   - boot(selector, name, text, render): mounts, once the page is parsed, every element that matches
     `selector` and is not mounted yet: takes its strings, text[language(el)], and its data,
     window.llmscratchData[name], and calls render(el, data, t), or, when the data script did not
     load, shows t.missing in place of the figure.

   A figure's HTML block loads this file first, then its data, then the figure's own script. Plain
   script, no module and no other library, so it works from file:// and offline; loading it twice on
   one page is harmless. */
window.llmscratchWidgets = window.llmscratchWidgets || (function () {
  "use strict";

  function language(el) {
    var l = el.getAttribute("data-lang") || document.documentElement.lang || "en";
    return l.toLowerCase().indexOf("zh") === 0 ? "zh" : "en";
  }

  function make(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function mount(el, name, text, render) {
    if (el.getAttribute("data-mounted")) return;
    el.setAttribute("data-mounted", "1");
    var t = text[language(el)];
    var data = window.llmscratchData && window.llmscratchData[name];
    if (!data) { el.appendChild(make("p", "llms-error", t.missing)); return; }
    render(el, data, t);
  }

  function boot(selector, name, text, render) {
    function mountAll() {
      var els = document.querySelectorAll(selector);
      for (var i = 0; i < els.length; i++) mount(els[i], name, text, render);
    }
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mountAll);
    else mountAll();
  }

  return { language: language, make: make, boot: boot };
})();
