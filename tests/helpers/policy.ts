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
