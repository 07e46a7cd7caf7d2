// The Express 4 dev copy (`express4`, an npm alias) has no types of its own; Express 5's types cover
// what the tests use of it.
declare module 'express4' {
  export { default } from 'express';
}
