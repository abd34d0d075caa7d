/** Routes by caller name, so each test picks its route without depending on the clock or on number packs. */
export const TEST_POLICY = `
version: 1
mode: enforce
timezone: Europe/Paris
default: ring
rules:
  - name: allowlist
    when: { list: allow }
    action: ring
  - name: blocklist
    when: { list: block }
    action: reject
  - name: trusted
    when: { trusted: true }
    action: ring
  - name: wants-captcha
    when: { name: { matches: ['CAPTCHA*'] } }
    action: captcha
  - name: wants-voicemail
    when: { name: { matches: ['VOICEMAIL*'] } }
    action: voicemail
  - name: wants-reject
    when: { name: { matches: ['REJECT*'] } }
    action: reject
`;

/** Lists and withheld callers only: what the HTTP and dashboard tests exercise. */
export const LIST_POLICY = `
version: 1
mode: enforce
timezone: Europe/Paris
default: ring
rules:
  - name: allowlisted
    action: ring
    when: { list: allow }
  - name: blocklisted
    action: reject
    when: { list: block }
  - name: withheld
    action: captcha
    when: { caller: [withheld] }
`;
