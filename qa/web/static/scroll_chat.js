() => {
  setTimeout(() => {
    const answers = document.querySelectorAll('#qa-chat .qa-answer');
    const last = answers[answers.length - 1];
    if (!last) return;
    let box = last.parentElement;
    while (box && box !== document.body) {
      const s = getComputedStyle(box);
      if ((s.overflowY === 'auto' || s.overflowY === 'scroll') && box.scrollHeight > box.clientHeight) break;
      box = box.parentElement;
    }
    if (!box || box === document.body) return;
    const top = last.getBoundingClientRect().top - box.getBoundingClientRect().top + box.scrollTop;
    box.scrollTop = Math.max(0, top - 90);
  }, 150);
}
