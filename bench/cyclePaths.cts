// autocannon's setupRequest for GETs that walk a list of paths. Its worker threads can load such a
// function only from a CommonJS file (a closure cannot be copied to a thread), so the list travels
// in the request itself, which they do copy, and this file serves with and without threads alike.
type PathsRequest = { path?: string; paths: readonly string[] };

let next = -1;

function nextPath<R extends PathsRequest>(request: R): R {
  // Each thread starts somewhere else in the list: the connections of one thread share this counter,
  // and threads walking in step would ask for the same tickets at the same time.
  if (next < 0) next = Math.floor(Math.random() * request.paths.length);
  request.path = request.paths[next++ % request.paths.length];
  return request;
}

export = nextPath;
