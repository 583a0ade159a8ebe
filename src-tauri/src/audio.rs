//! The sound and call settings, the device lists, the test tone and the microphone's level:
//! each command one call on the runtime [`Handle`].

use switchboard_runtime::{AudioSettings, ErrorReport, Handle, SoundDevice};
use tauri::State;

type Outcome<T = ()> = Result<T, ErrorReport>;

/// The sound and call settings in force.
#[tauri::command]
#[specta::specta]
pub fn audio_settings(handle: State<'_, Handle>) -> AudioSettings {
    handle.audio_settings()
}

/// Checks, stores and applies the sound and call settings (at once, calls included).
#[tauri::command]
#[specta::specta]
pub async fn save_audio_settings(handle: State<'_, Handle>, audio: AudioSettings) -> Outcome {
    handle
        .save_audio_settings(&audio)
        .await
        .map_err(|e| e.report())
}

/// The sound devices the system offers now.
#[tauri::command]
#[specta::specta]
pub async fn sound_devices() -> Outcome<Vec<SoundDevice>> {
    // Listing devices asks the sound server: off the window's thread.
    tauri::async_runtime::spawn_blocking(switchboard_runtime::sound_device_list)
        .await
        .map_err(|e| ErrorReport {
            code: "device".into(),
            message: e.to_string(),
            field: None,
        })?
        .map_err(|e| e.report())
}

/// Plays a test tone on the speaker; `false` without a headset.
#[tauri::command]
#[specta::specta]
pub fn test_tone(handle: State<'_, Handle>) -> Outcome<bool> {
    handle
        .phone()
        .map(|p| p.test_tone())
        .map_err(|e| e.report())
}

/// The microphone's level now, 0 (silence) to 32767 (full scale); `None` without a headset.
#[tauri::command]
#[specta::specta]
pub fn mic_level(handle: State<'_, Handle>) -> Outcome<Option<u16>> {
    handle
        .phone()
        .map(|p| p.mic_level())
        .map_err(|e| e.report())
}
