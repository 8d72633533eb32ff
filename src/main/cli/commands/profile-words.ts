/**
 * What a command without --profile says when the settings hold several profiles. Its own small module:
 * run.ts needs it for every command, and must not load the profile command's code to get it.
 */
export function moreThanOneProfile(names: readonly string[]): string {
  return `there are ${names.length} profiles (${names.join(', ')}): say which with --profile NAME`;
}
