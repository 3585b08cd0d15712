/**
 * The workbench's words that were added for layout, keyboard, panes that
 * explain themselves and tabs kept in step: one English catalog, so a
 * translation is one object beside it. Dependency-free (the up-front
 * layout script and the server-rendered shell use it too).
 */
export const strings = {
  // The layout (layout.ts, Workbench.astro).
  workbench: 'Workbench',
  skipToWorkbench: 'Skip to the workbench',
  hideWorkbench: 'Hide the workbench',
  hideWorkbenchTitle: 'Give the lesson the whole width',
  showWorkbench: 'Show the workbench',
  views: 'Lab views',
  viewLesson: 'Lesson',
  viewCode: 'Code',
  viewTerminals: 'Terminals',

  // Panes (pane.ts, terminals.ts, and the keyboard help in toolbar.ts).
  helpAfterEsc: ' to leave it; then Tab moves on, and Enter on the pane goes back in.',
  paneFocusHint: 'press Enter to type here',
  typeALine: 'running: type a line and press Enter',
  waitingFor: (server: string, port: string, tcp: boolean) => `waiting for the ${server} to ${tcp ? 'listen on' : 'bind'} ${port}`,
  notStarted: (server: string, how: string, port: string) => `not started: the ${server} ${how} before it was ready on ${port}`,

  // Two tabs of one lab (files.ts, main.ts).
  changedElsewhere: (file: string) => `${file} was changed in another tab: the editor now shows that version. Ctrl+Z brings yours back.`,
  conflictElsewhere: (file: string) => `${file} was also changed in another tab while you were typing here. Yours is kept; load the other tab's version if you want it (Ctrl+Z brings yours back).`,
  loadOther: 'Load the other version',
} as const;
