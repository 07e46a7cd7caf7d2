// The fault scenario table (scenarios.ts) through koaAdapter; see helpers/describe-faults.ts.
import { koaAdapter } from './helpers/apps.js';
import { describeFaults } from './helpers/describe-faults.js';

describeFaults(koaAdapter);
