/** workerd entry of the runtime benchmark. */
import { handle } from './bench-app.mjs';

export default { fetch: handle };
