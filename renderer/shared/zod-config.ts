/**
 * Zod compiles fast parsers with `new Function` unless told not to; our CSP forbids eval, and the
 * probe alone logs a CSP violation. Imported first by each app's entry point.
 */
import { z } from 'zod';

z.config({ jitless: true });
