// The Timeline tab's entries: one delegated handler (Gradio re-renders the entries' HTML). "Copy with
// citation" copies the entry in the style picked; "Show in article", a click on the sentence, or an
// "also reported by" outlet tells the server, through the hidden #qa-tl-ref box, what to open.
(() => {
  if (window.__qaTimelineHandlers) return;
  window.__qaTimelineHandlers = true;
  document.addEventListener('click', (ev) => {
    const target = ev.target instanceof Element ? ev.target : null;
    const entry = target && target.closest('.qa-tl-entry');
    if (!entry) return;
    const copyButton = target.closest('.qa-tl-copy');
    if (copyButton) {
      ev.preventDefault();
      const chosen = window.qaPayload(entry);
      if (chosen) window.qaCopy(chosen.text, copyButton, chosen.html);
      return;
    }
    if (target.closest('a')) return;
    let opener = target.closest('.qa-tl-open, .qa-tl-also-link');
    if (!opener && target.closest('.qa-tl-text')) {
      if (String(window.getSelection() || '').trim()) return;  // selecting words is not a click to open
      opener = entry.querySelector('.qa-tl-open');
    }
    if (!opener || !opener.value) return;
    ev.preventDefault();
    document.querySelectorAll('.qa-tl-entry.qa-active').forEach((el) => el.classList.remove('qa-active'));
    entry.classList.add('qa-active');
    const root = document.getElementById('qa-tl-ref');
    const box = root && root.querySelector('textarea, input');
    if (!box) return;
    box.value = opener.value + '|' + Date.now();
    box.dispatchEvent(new Event('input', {bubbles: true}));
  }, true);
})();
