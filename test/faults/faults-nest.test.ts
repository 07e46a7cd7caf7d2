// The fault scenario table (scenarios.ts) through nestAdapter; see helpers/describe-faults.ts.
import { nestAdapter } from './helpers/apps-nest.js';
import { describeFaults } from './helpers/describe-faults.js';

describeFaults(nestAdapter);
