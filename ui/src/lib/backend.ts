// The window's only way to the engine: a small interface over the generated bindings, so
// tests can run the UI against mocked IPC in a plain browser.
import {
  commands,
  events,
  type AccountSettings,
  type AgentSettings,
  type AgentView,
  type AudioSettings,
  type CallContext,
  type CallerIdChoice,
  type CallerIdSettings,
  type ContactCard,
  type ContactForm,
  type CrmReport,
  type CrmSettings,
  type CtiSettings,
  type CtiView,
  type DeletedContact,
  type Draft,
  type DeskSettings,
  type ContactSummary,
  type Control,
  type DeskView,
  type ErrorReport,
  type HistoryEntry,
  type ImportProgress,
  type ImportSummary,
  type LineView,
  type LinkOutcome,
  type NumberInfo,
  type NumberKind,
  type PlanForm,
  type PopMatch,
  type Presence,
  type RowError,
  type ScreenPop,
  type SoundDevice,
  type Stats,
  type StatsPeriod,
  type Status,
  type TrayItem,
} from "../bindings";

export type {
  AccountSettings,
  AgentSettings,
  AgentView,
  AudioSettings,
  CallContext,
  CallerIdChoice,
  CallerIdSettings,
  ContactCard,
  ContactForm,
  CrmReport,
  CrmSettings,
  CtiSettings,
  CtiView,
  DeletedContact,
  Draft,
  ContactSummary,
  Control,
  DeskSettings,
  DeskView,
  ErrorReport,
  HistoryEntry,
  ImportProgress,
  ImportSummary,
  LineView,
  LinkOutcome,
  NumberInfo,
  NumberKind,
  PlanForm,
  PopMatch,
  Presence,
  RowError,
  ScreenPop,
  SoundDevice,
  Stats,
  StatsPeriod,
  Status,
  TrayItem,
};

/** A command's outcome: the value, or the engine's typed error. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: ErrorReport };

/** Something the agent asked for that did not happen, on a line. */
export type Notice = { line: string; code: string };

type Unlisten = () => void;

export interface Backend {
  search(query: string): Promise<Outcome<ContactSummary[]>>;
  contact(id: number): Promise<Outcome<ContactCard>>;
  normalize(input: string): Promise<Outcome<NumberInfo>>;
  contactForm(id: number): Promise<Outcome<ContactForm>>;
  /** `limit` contacts in name order from position `offset`. */
  contactPage(offset: number, limit: number): Promise<Outcome<ContactSummary[]>>;
  contactCount(): Promise<Outcome<number>>;
  /** Plays a call's recording; false when it was not recorded. */
  openRecording(id: number): Promise<Outcome<boolean>>;
  /** Creates (no id) or updates a contact; returns its id. */
  saveContact(form: ContactForm): Promise<Outcome<number>>;
  /** Deletes a contact; what comes back undoes it. */
  deleteContact(id: number): Promise<Outcome<DeletedContact>>;
  restoreContact(deleted: DeletedContact): Promise<Outcome<number>>;
  /** The notes of a call of the history, and its disposition code (null keeps the code it
   * has, "" clears it). */
  noteCall(id: number, notes: string, disposition: string | null): Promise<Outcome<null>>;
  /** Keeps what the agent is typing under `key` (an empty body deletes it). */
  saveDraft(key: string, body: string): Promise<Outcome<null>>;
  /** What an earlier window left typed and unsaved. */
  drafts(): Promise<Outcome<Draft[]>>;
  /** Imports a contact file; progress comes through onImportProgress. */
  importContacts(path: string): Promise<Outcome<ImportSummary>>;
  /** The system's file chooser; null when closed. */
  pickImportFile(): Promise<Outcome<string | null>>;
  onImportProgress(listener: (progress: ImportProgress) => void): Promise<Unlisten>;
  deskView(): Promise<Outcome<DeskView>>;
  /** Dials what was typed (`clicked` false) or clicked on a card; returns the new line. */
  dial(to: string, clicked: boolean): Promise<Outcome<string>>;
  answer(line: string): Promise<Outcome<null>>;
  reject(line: string, decline: boolean): Promise<Outcome<null>>;
  hangup(line: string): Promise<Outcome<null>>;
  hold(line: string): Promise<Outcome<null>>;
  resume(line: string): Promise<Outcome<null>>;
  blindTransfer(line: string, to: string): Promise<Outcome<null>>;
  consult(line: string, to: string): Promise<Outcome<string>>;
  completeTransfer(): Promise<Outcome<null>>;
  cancelConsult(): Promise<Outcome<null>>;
  acceptTransfer(line: string): Promise<Outcome<string>>;
  refuseTransfer(line: string): Promise<Outcome<null>>;
  merge(): Promise<Outcome<null>>;
  removeParty(line: string): Promise<Outcome<null>>;
  muteListen(line: string, on: boolean): Promise<Outcome<null>>;
  dtmf(line: string, digits: string): Promise<Outcome<null>>;
  mute(on: boolean): Promise<Outcome<null>>;
  record(line: string, on: boolean): Promise<Outcome<null>>;
  accountSettings(): Promise<Outcome<AccountSettings[]>>;
  saveAccount(account: AccountSettings, password: string): Promise<Outcome<null>>;
  deleteAccount(id: string): Promise<Outcome<null>>;
  history(limit: number): Promise<Outcome<HistoryEntry[]>>;
  dialPlan(): Promise<Outcome<PlanForm>>;
  saveDialPlan(plan: PlanForm): Promise<Outcome<null>>;
  audioSettings(): Promise<Outcome<AudioSettings>>;
  saveAudioSettings(audio: AudioSettings): Promise<Outcome<null>>;
  soundDevices(): Promise<Outcome<SoundDevice[]>>;
  /** A test tone on the speaker; false without a headset. */
  testTone(): Promise<Outcome<boolean>>;
  /** The microphone's level, 0 to 32767; null without a headset. */
  micLevel(): Promise<Outcome<number | null>>;
  deskSettings(): Promise<Outcome<DeskSettings>>;
  /** Saves and applies; returns the shortcut fields whose keys another application holds. */
  saveDeskSettings(desk: DeskSettings): Promise<Outcome<string[]>>;
  /** The shortcut fields whose keys another application held at the last registration. */
  takenShortcuts(): Promise<Outcome<string[]>>;
  /** Opens the call's CRM page when one is set; false: show the contact card instead. */
  openCallScreen(call: string, number: string, contactId: number | null): Promise<Outcome<boolean>>;
  /** An OS notification. */
  notify(title: string, body: string): Promise<Outcome<null>>;
  /** The tray icon's tooltip and menu. */
  setTray(tooltip: string, items: TrayItem[]): Promise<Outcome<null>>;
  onDesk(listener: (view: DeskView) => void): Promise<Unlisten>;
  onPop(listener: (pop: ScreenPop) => void): Promise<Unlisten>;
  onNotice(listener: (notice: Notice) => void): Promise<Unlisten>;
  agentView(): Promise<Outcome<AgentView>>;
  setAgentState(presence: Presence, reason: string | null): Promise<Outcome<AgentView>>;
  agentSettings(): Promise<Outcome<AgentSettings>>;
  saveAgentSettings(settings: AgentSettings): Promise<Outcome<null>>;
  onAgent(listener: (view: AgentView) => void): Promise<Unlisten>;
  /** Links opened before the window was ready; later ones come through onLink. */
  takeLinks(): Promise<Outcome<LinkOutcome[]>>;
  onLink(listener: (link: LinkOutcome) => void): Promise<Unlisten>;
  /** Makes Switchboard the handler of tel:, sip: and callto: links. */
  registerLinkHandler(): Promise<Outcome<null>>;
  ctiView(): Promise<Outcome<CtiView>>;
  saveCtiSettings(settings: CtiSettings): Promise<Outcome<CtiView>>;
  newCtiToken(): Promise<Outcome<CtiView>>;
  stats(period: StatsPeriod): Promise<Outcome<Stats>>;
  /** Saves the statistics as CSV where the agent chooses; false when they cancelled. */
  exportStats(periods: StatsPeriod[]): Promise<Outcome<boolean>>;
  callerId(): Promise<Outcome<CallerIdSettings>>;
  saveCallerId(settings: CallerIdSettings): Promise<Outcome<null>>;
  chooseCallerId(choice: CallerIdChoice): Promise<Outcome<null>>;
  crmSettings(): Promise<Outcome<CrmSettings>>;
  /** `token` null keeps the stored one, empty forgets it. */
  saveCrmSettings(settings: CrmSettings, token: string | null): Promise<Outcome<null>>;
  onCrm(listener: (answer: CrmReport) => void): Promise<Unlisten>;
  /** Opens a web page (a CRM record) in the browser. */
  openWebPage(url: string): Promise<Outcome<null>>;
}

function outcome<T>(r: { status: "ok"; data: T } | { status: "error"; error: ErrorReport }): Outcome<T> {
  return r.status === "ok" ? { ok: true, value: r.data } : { ok: false, error: r.error };
}

export function tauriBackend(): Backend {
  return {
    search: async (query) => outcome(await commands.searchContacts(query)),
    contact: async (id) => outcome(await commands.getContact(id)),
    normalize: async (input) => outcome(await commands.normalizeNumber(input)),
    contactForm: async (id) => outcome(await commands.contactForm(id)),
    contactPage: async (offset, limit) => outcome(await commands.contactPage(offset, limit)),
    contactCount: async () => outcome(await commands.contactCount()),
    openRecording: async (id) => outcome(await commands.openRecording(id)),
    saveContact: async (form) => outcome(await commands.saveContact(form)),
    deleteContact: async (id) => outcome(await commands.deleteContact(id)),
    restoreContact: async (deleted) => outcome(await commands.restoreContact(deleted)),
    noteCall: async (id, notes, disposition) => outcome(await commands.noteCall(id, notes, disposition)),
    saveDraft: async (key, body) => outcome(await commands.saveDraft(key, body)),
    drafts: async () => outcome(await commands.drafts()),
    importContacts: async (path) => outcome(await commands.importContacts(path)),
    pickImportFile: async () => ({ ok: true, value: await commands.pickImportFile() }),
    onImportProgress: (listener) => events.importProgressed.listen((e) => listener(e.payload)),
    deskView: async () => outcome(await commands.deskView()),
    dial: async (to, clicked) => outcome(await commands.dial(to, clicked)),
    answer: async (line) => outcome(await commands.answer(line)),
    reject: async (line, decline) => outcome(await commands.reject(line, decline)),
    hangup: async (line) => outcome(await commands.hangup(line)),
    hold: async (line) => outcome(await commands.hold(line)),
    resume: async (line) => outcome(await commands.resume(line)),
    blindTransfer: async (line, to) => outcome(await commands.blindTransfer(line, to)),
    consult: async (line, to) => outcome(await commands.consult(line, to)),
    completeTransfer: async () => outcome(await commands.completeTransfer()),
    cancelConsult: async () => outcome(await commands.cancelConsult()),
    acceptTransfer: async (line) => outcome(await commands.acceptTransfer(line)),
    refuseTransfer: async (line) => outcome(await commands.refuseTransfer(line)),
    merge: async () => outcome(await commands.merge()),
    removeParty: async (line) => outcome(await commands.removeParty(line)),
    muteListen: async (line, on) => outcome(await commands.muteListen(line, on)),
    dtmf: async (line, digits) => outcome(await commands.dtmf(line, digits)),
    mute: async (on) => outcome(await commands.mute(on)),
    record: async (line, on) => outcome(await commands.record(line, on)),
    accountSettings: async () => outcome(await commands.accountSettings()),
    saveAccount: async (account, password) => outcome(await commands.saveAccount(account, password)),
    deleteAccount: async (id) => outcome(await commands.deleteAccount(id)),
    history: async (limit) => outcome(await commands.history(limit)),
    dialPlan: async () => ({ ok: true, value: await commands.dialPlan() }),
    saveDialPlan: async (plan) => outcome(await commands.saveDialPlan(plan)),
    audioSettings: async () => ({ ok: true, value: await commands.audioSettings() }),
    saveAudioSettings: async (audio) => outcome(await commands.saveAudioSettings(audio)),
    soundDevices: async () => outcome(await commands.soundDevices()),
    testTone: async () => outcome(await commands.testTone()),
    micLevel: async () => outcome(await commands.micLevel()),
    deskSettings: async () => ({ ok: true, value: await commands.deskSettings() }),
    saveDeskSettings: async (desk) => outcome(await commands.saveDeskSettings(desk)),
    takenShortcuts: async () => ({ ok: true, value: await commands.takenShortcuts() }),
    openCallScreen: async (call, number, contactId) => outcome(await commands.openCallScreen(call, number, contactId)),
    notify: async (title, body) => outcome(await commands.notify(title, body)),
    setTray: async (tooltip, items) => outcome(await commands.setTray(tooltip, items)),
    onDesk: (listener) => events.deskChanged.listen((e) => listener(e.payload)),
    onPop: (listener) => events.popped.listen((e) => listener(e.payload)),
    onNotice: (listener) => events.notice.listen((e) => listener(e.payload)),
    agentView: async () => ({ ok: true, value: await commands.agentView() }),
    setAgentState: async (presence, reason) => outcome(await commands.setAgentState(presence, reason)),
    agentSettings: async () => ({ ok: true, value: await commands.agentSettings() }),
    saveAgentSettings: async (settings) => outcome(await commands.saveAgentSettings(settings)),
    onAgent: (listener) => events.agentChanged.listen((e) => listener(e.payload)),
    takeLinks: async () => ({ ok: true, value: await commands.takeLinks() }),
    onLink: (listener) => events.linkOpened.listen((e) => listener(e.payload)),
    registerLinkHandler: async () => outcome(await commands.registerLinkHandler()),
    ctiView: async () => outcome(await commands.ctiView()),
    saveCtiSettings: async (settings) => outcome(await commands.saveCtiSettings(settings)),
    newCtiToken: async () => outcome(await commands.newCtiToken()),
    stats: async (period) => outcome(await commands.stats(period)),
    exportStats: async (periods) => outcome(await commands.exportStats(periods)),
    callerId: async () => ({ ok: true, value: await commands.callerId() }),
    saveCallerId: async (settings) => outcome(await commands.saveCallerId(settings)),
    chooseCallerId: async (choice) => outcome(await commands.chooseCallerId(choice)),
    crmSettings: async () => ({ ok: true, value: await commands.crmSettings() }),
    saveCrmSettings: async (settings, token) => outcome(await commands.saveCrmSettings(settings, token)),
    onCrm: (listener) => events.crmAnswered.listen((e) => listener(e.payload)),
    openWebPage: async (url) => outcome(await commands.openWebPage(url)),
  };
}
