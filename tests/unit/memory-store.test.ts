import { createMemoryStore } from '../../src/reputation/index.js';
import { storeContract } from '../integration/store-contract.js';

storeContract('memory', async () => createMemoryStore());
