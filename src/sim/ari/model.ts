/** What a simulated channel needs from the fake Asterisk around it: timing, the snippet's names, the app link. */

export interface SimTiming {
  /** How long one `sound:` item plays. */
  soundMs: number;
  /** How long each digit of a `digits:` item takes to say. */
  digitMs: number;
  /** Gap between DTMF digits a person types. */
  dtmfGapMs: number;
  /** Default think time before a person types what it heard. */
  typingDelayMs: number;
  /** How long a channel stays visible (in the dialplan) after leaving Stasis. */
  lingerMs: number;
}

/** The snippet's names (dialplan/asterisk/chut-ari.conf). */
export interface DialplanModel {
  screenContext: string;
  routeContext: string;
  labels: { ring: string; voicemail: string; reject: string };
  /** The snippet's `Set(TIMEOUT(absolute)=<s>)` before Stasis: past it, Asterisk ends Stasis and runs `T`, which rings. */
  stasisTimeoutS: number;
  /** The context the feature codes run in (never included, so its `T` serves them alone), and its bound on Stasis
   * (its `T` beeps an error and hangs up). */
  featuresContext: string;
  featuresTimeoutS: number;
  /** The snippet's `EDIT: default mailbox`, used when chut sends no CHUT_MAILBOX. */
  defaultMailbox: string;
}

/** app_voicemail as the fake Asterisk has it: its boxes, or not loaded at all (Debian ships it apart, in
 * `asterisk-voicemail`). */
export interface SimVoicemail {
  loaded(): boolean;
  /** As VM_INFO(box,exists) and VoiceMail() find a box: without `@context` it is in `default`. */
  exists(box: string): boolean;
}

export interface ChannelHost {
  send(app: string, frame: object): void;
  appConnected(app: string): boolean;
  soundExists(name: string): boolean;
  voicemail: SimVoicemail;
  timing: SimTiming;
  dialplan: DialplanModel;
  forget(id: string): void;
  /** How long a channel's StasisStart trails its entry into Stasis (0: sent at once). */
  stasisStartDelayMs?(): number;
  /** A playback has ended (finished, stopped, canceled or flushed): Asterisk forgets it (remove_from_playbacks), so
   * GET and DELETE /playbacks/{id} answer 404 from then on. */
  forgetPlayback(id: string): void;
}
