// Koa 2 is installed under the alias `koa2` for the tests; @types/koa describes both majors' API as
// far as the adapter uses it.
declare module 'koa2' {
  import Koa = require('koa');
  export = Koa;
}
