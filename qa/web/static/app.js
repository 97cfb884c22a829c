// In the page head, once: one delegated click handler serves every answer card. Gradio re-renders
// the chat's HTML and sanitizes it, so cards carry no handlers of their own; they name what to open
// in button values, and this script passes that to the hidden #qa-open-ref box the server listens to.
(() => {
  if (window.__qaHandlers) return;
  window.__qaHandlers = true;
  function openRef(ref) {
    const root = document.getElementById('qa-open-ref');
    const box = root && root.querySelector('textarea, input');
    if (!box) return;
    box.value = ref + '|' + Date.now();
    box.dispatchEvent(new Event('input', {bubbles: true}));
  }
  function fallbackCopy(text) {
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.appendChild(area);
    area.select();
    let ok = false;
    try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
    area.remove();
    return ok;
  }
  // The citation style picked (kept in localStorage by the style picker); each card carries its
  // text in every style, and this picks the one to copy (with its HTML, italics and all, when given).
  function citeStyle() {
    let s = window.qaCiteStyle;
    try { s = s || localStorage.getItem('qa-cite-style'); } catch (e) { /* storage blocked */ }
    return s || 'qa';
  }
  // {text, html} to copy from a card: its payload in the style picked (qa's own when it has none)
  function payload(card) {
    if (!card) return null;
    const style = citeStyle();
    const text = card.querySelector('.qa-copy-payload.qa-cite-' + style) || card.querySelector('.qa-copy-payload');
    if (!text) return null;
    const html = card.querySelector('.qa-copy-html.qa-cite-' + style);
    return {text: text.textContent, html: html ? html.textContent : ''};
  }
  window.qaPayload = payload;
  async function copy(text, button, html) {
    window.qaLastCopied = text;
    window.qaLastCopiedHtml = html || '';
    let ok = false;
    try {
      if (html && navigator.clipboard && navigator.clipboard.write && window.ClipboardItem && window.isSecureContext) {
        await navigator.clipboard.write([new ClipboardItem({
          'text/plain': new Blob([text], {type: 'text/plain'}), 'text/html': new Blob([html], {type: 'text/html'})})]);
        ok = true;
      } else if (navigator.clipboard && window.isSecureContext) { await navigator.clipboard.writeText(text); ok = true; }
    } catch (e) { ok = false; }
    if (!ok) ok = fallbackCopy(text);
    const label = button.textContent;
    button.textContent = ok ? 'Copied' : 'Press Ctrl+C';
    button.classList.add('qa-done');
    setTimeout(() => { button.textContent = label; button.classList.remove('qa-done'); }, 1600);
  }
  window.qaCopy = copy;  // the Quotes and Timeline tabs' cards (quotes.js, timeline.js) copy the same way
  document.addEventListener('click', (ev) => {
    const target = ev.target instanceof Element ? ev.target : null;
    if (!target || !target.closest('.qa-answer')) return;
    const card = target.closest('.qa-quote');
    const copyButton = target.closest('.qa-copy');
    if (copyButton) {
      ev.preventDefault();
      const chosen = payload(card);
      if (chosen) copy(chosen.text, copyButton, chosen.html);
      return;
    }
    let opener = target.closest('.qa-ref, .qa-open, .qa-also-link');
    if (!opener && target.closest('.qa-quote-text')) {
      // selecting words inside a quote should not jump to the article
      if (String(window.getSelection() || '').trim()) return;
      opener = card && card.querySelector('.qa-open');
    }
    if (!opener || !opener.value) return;
    ev.preventDefault();
    document.querySelectorAll('.qa-quote.qa-active').forEach((el) => el.classList.remove('qa-active'));
    const active = card || document.getElementById('qa-q-' + opener.value.split(':').slice(0, 2).join('-'));
    if (active) active.classList.add('qa-active');
    openRef(opener.value);
  }, true);
})();
