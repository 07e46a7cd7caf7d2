// The fault scenario table (scenarios.ts) through expressAdapter; see helpers/describe-faults.ts.
import { expressAdapter } from './helpers/apps.js';
import { describeFaults } from './helpers/describe-faults.js';

describeFaults(expressAdapter);
