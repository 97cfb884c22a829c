function qaShowHit() {
  const hit = element.querySelector('mark.qa-hit');  // #qa-hit here, #qa-tlhit in the Timeline tab
  const body = element.querySelector('.qa-source-body');
  if (!hit || !body) return;
  body.scrollTop = Math.max(0, hit.offsetTop - body.offsetTop - body.clientHeight / 3);
  const r = element.getBoundingClientRect();
  if (r.top < 0 || r.top > window.innerHeight * 0.5) element.scrollIntoView({block: 'start', behavior: 'smooth'});
}
watch('value', () => requestAnimationFrame(qaShowHit));
