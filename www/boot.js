// Loads the WebAssembly module. Kept in a file of its own: the Content Security Policy forbids inline scripts.
import init from '../app.js';

init().catch((error) => {
  const app = document.getElementById('app');
  if (app) {
    app.textContent = 'osv-lens could not start: ' + error;
  }
});
