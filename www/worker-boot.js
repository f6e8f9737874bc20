// Starts the package-index worker. Messages that arrive while its WebAssembly loads are kept for it; it takes them
// (and the later ones) once started. A file of its own: the Content Security Policy forbids inline scripts.
self.__osvLensEarly = [];
self.onmessage = (event) => { self.__osvLensEarly.push(event.data); };
const { default: init } = await import('../worker.js');
await init();
