// The Quotes tab's cards: one delegated handler (Gradio re-renders the cards' HTML). "Copy with
// citation" copies the card's citation; "Show in article" (or a click on the words) tells the server,
// through the hidden #qa-quote-ref box, which quotation to open in the panel.
(() => {
  if (window.__qaQuoteHandlers) return;
  window.__qaQuoteHandlers = true;
  document.addEventListener('click', (ev) => {
    const target = ev.target instanceof Element ? ev.target : null;
    const card = target && target.closest('.qa-qcard');
    if (!card) return;
    const copyButton = target.closest('.qa-qcopy');
    if (copyButton) {
      ev.preventDefault();
      const chosen = window.qaPayload(card);
      if (chosen) window.qaCopy(chosen.text, copyButton, chosen.html);
      return;
    }
    if (target.closest('a')) return;
    if (!target.closest('.qa-qopen') && String(window.getSelection() || '').trim()) return;
    if (!target.closest('.qa-qopen, .qa-qcard-text')) return;
    ev.preventDefault();
    document.querySelectorAll('.qa-qcard.qa-active').forEach((el) => el.classList.remove('qa-active'));
    card.classList.add('qa-active');
    const root = document.getElementById('qa-quote-ref');
    const box = root && root.querySelector('textarea, input');
    if (!box) return;
    box.value = card.dataset.n + '|' + Date.now();
    box.dispatchEvent(new Event('input', {bubbles: true}));
  }, true);
})();
