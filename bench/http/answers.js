// bench/http's answer counting, shared by server.js and peers/server.js:
// per POST route, the requests begun and answered, and the answers that
// were 2xx, not 2xx, and replays, counted when res.end sends the answer,
// whether or not the client is still there (the runner compares them with
// the rows and keys of a run), and served on GET /bench-stats.
'use strict';

// routes: the POST paths counted; isReplay(req, res): whether a 2xx answer
// is a replay.  Returns { count, serve }: the middleware that counts (mount
// it before any other) and the handler of GET /bench-stats.
function answerCounter(routes, isReplay) {
  const stats = {};
  for (const route of routes) stats[route] = { begun: 0, answered: 0, ok: 0, other: 0, replayed: 0 };
  function count(req, res, next) {
    const s = req.method === 'POST' ? stats[req.path] : undefined;
    if (!s) { next(); return; }
    s.begun++;
    const end = res.end;
    let counted = false;
    res.end = function countedEnd(...args) {
      if (!counted) {
        counted = true;
        s.answered++;
        if (res.statusCode >= 200 && res.statusCode < 300) {
          s.ok++;
          if (isReplay(req, res)) s.replayed++;
        } else {
          s.other++;
        }
      }
      return end.apply(this, args);
    };
    next();
  }
  function serve(req, res) {
    res.type('text/plain').send(Object.entries(stats).map(([route, s]) =>
      `${route} ${s.begun} ${s.answered} ${s.ok} ${s.other} ${s.replayed}\n`).join(''));
  }
  return { count, serve };
}

module.exports = { answerCounter };
