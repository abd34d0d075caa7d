/**
 * Caller-ID normalisation of never-seen numbers (a robocall campaign spoofing random numbers: every call misses the
 * cache), per spelling: back to back (warm CPU caches) and one call after 20 ms of idle (what a quiet PBX sees),
 * beside libphonenumber-js parsing and typing the same text, the path chut takes for spellings its fast path leaves
 * to the library (`0033…` here). No Redis.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { createNormaliser } from '../src/phone/normalise.js';
import type { BenchOptions } from './main.js';
import { summarise } from './stats.js';
import { sleep } from './traffic.js';

const SPELLINGS: Record<string, (nsn: string) => string> = {
  'national (0…)': (nsn) => `0${nsn}`,
  'international (+33…)': (nsn) => `+33${nsn}`,
  'IDD (0033…), left to libphonenumber': (nsn) => `0033${nsn}`,
  // no line in the French plan starts 070: refused in every region of it (FR, GP, GF, MQ, RE)
  'not a valid number (070…), a spoofed ID': (nsn) => `070${nsn.slice(2)}`,
};

/** A French mobile or geographic number nobody has seen yet. */
function freshNumber(): string {
  return String(1 + Math.floor(Math.random() * 7)) + String(Math.floor(Math.random() * 1e8)).padStart(8, '0');
}

async function measure(work: (text: string) => unknown, spell: (nsn: string) => string, opts: BenchOptions) {
  const hotCalls = opts.quick ? 2_000 : 20_000;
  for (let i = 0; i < 1000; i++) work(spell(freshNumber())); // JIT warm
  const texts = Array.from({ length: hotCalls }, () => spell(freshNumber()));
  const t0 = performance.now();
  for (const t of texts) work(t);
  const hotUs = ((performance.now() - t0) / hotCalls) * 1000;
  const cold: number[] = [];
  for (let i = 0; i < (opts.quick ? 50 : 300); i++) {
    const text = spell(freshNumber());
    await sleep(20);
    const t1 = performance.now();
    work(text);
    cold.push((performance.now() - t1) * 1000);
  }
  const c = summarise(cold);
  return { hot_us: Math.round(hotUs * 10) / 10, after_idle_p50_us: Math.round(c.p50), after_idle_p99_us: Math.round(c.p99) };
}

export async function run(opts: BenchOptions): Promise<Record<string, unknown>> {
  const normaliser = createNormaliser();
  const chut = (text: string) => normaliser.normalise(text, 'BENCH', { defaultCountry: 'FR' });
  const library = (text: string) => parsePhoneNumberFromString(text, 'FR')?.getType();
  const out: Record<string, unknown> = {};
  for (const [name, spell] of Object.entries(SPELLINGS)) {
    const ours = await measure(chut, spell, opts);
    const lib = await measure(library, spell, opts);
    out[name] = { chut_normalise: ours, libphonenumber_parse_and_type: lib };
    opts.say(`normalise() a new caller, ${name}: ${ours.hot_us} µs back to back, after 20 ms idle p50 ${ours.after_idle_p50_us} µs ` +
      `p99 ${ours.after_idle_p99_us} µs`);
    opts.say(`  libphonenumber-js parse + getType of the same text: ${lib.hot_us} µs, after idle p50 ${lib.after_idle_p50_us} µs ` +
      `p99 ${lib.after_idle_p99_us} µs`);
  }
  return out;
}
