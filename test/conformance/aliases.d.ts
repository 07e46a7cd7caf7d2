// The older majors are installed under aliases so that one test run covers both; their APIs used
// here are the same as the current majors', so they take the current types.
declare module 'express4' {
  import express from 'express';
  export default express;
}
declare module 'koa2' {
  import Koa from 'koa';
  export default Koa;
}
