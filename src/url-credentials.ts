/**
 * Credentials written into a notification URL (`https://user:pass@host/…`, `mqtt://user:pass@broker`), read the way
 * the URL standard writes them: split at the first `:` of the user info, each part percent-decoded. Pure.
 */

export interface UrlCredentials {
  /** The URL without its user info. */
  url: string;
  /** Decoded; undefined when the URL names none. */
  username: string | undefined;
  password: string | undefined;
}

/**
 * Takes the user name and password out of `rawUrl`. Throws when `rawUrl` is no URL, or its user info holds a `%` that
 * starts no escape (`%zz`): what it meant cannot be known, and config validation refuses such a URL first.
 */
export function splitUrlCredentials(rawUrl: string): UrlCredentials {
  const url = new URL(rawUrl);
  const username = url.username === '' ? undefined : decodeURIComponent(url.username);
  const password = url.password === '' ? undefined : decodeURIComponent(url.password);
  url.username = '';
  url.password = '';
  return { url: url.toString(), username, password };
}

/** Whether a URL's user name and password can be decoded (true for a string that is no URL: another check says so). */
export function urlCredentialsReadable(rawUrl: string): boolean {
  try {
    new URL(rawUrl);
  } catch {
    return true;
  }
  try {
    splitUrlCredentials(rawUrl);
    return true;
  } catch {
    return false;
  }
}
