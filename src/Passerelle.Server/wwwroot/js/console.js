// Progressive enhancement only: every page works without this file.
// A form with data-confirm asks before it is sent (the server still requires its own confirmation field).
document.addEventListener('submit', (event) => {
  const form = event.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});
// A button with data-copy copies the text of the element it names (one-time secrets).
document.addEventListener('click', (event) => {
  const button = event.target instanceof Element ? event.target.closest('[data-copy]') : null;
  const source = button ? document.getElementById(button.dataset.copy) : null;
  if (source && navigator.clipboard) {
    navigator.clipboard.writeText(source.textContent.trim());
    button.textContent = button.dataset.copied || button.textContent;
  }
});
