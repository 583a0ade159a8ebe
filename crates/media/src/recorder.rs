//! A call's recording: a stereo WAV file, the agent on the left and the other party on the
//! right, 16 kHz 16-bit. Each frame is flushed to the file as it is written, with the WAV
//! header kept whole, so a recording cut short (the app killed, the disk full) still plays up
//! to its last frame. Paused, nothing is written: the pause is cut out of the file.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use crate::{MediaError, FRAME, RATE};

/// A recording in progress.
pub struct CallRecorder {
    path: PathBuf,
    writer: hound::WavWriter<BufWriter<File>>,
    paused: bool,
    frames: u64,
}

impl std::fmt::Debug for CallRecorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallRecorder")
            .field("path", &self.path)
            .field("paused", &self.paused)
            .field("frames", &self.frames)
            .finish()
    }
}

fn failed(path: &Path, error: &dyn std::fmt::Display) -> MediaError {
    MediaError::Recording {
        path: path.display().to_string(),
        reason: error.to_string(),
    }
}

impl CallRecorder {
    /// Creates the file `path` (its folder must exist).
    pub fn create(path: &Path) -> Result<Self, MediaError> {
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: RATE,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut writer = hound::WavWriter::create(path, spec).map_err(|e| failed(path, &e))?;
        writer.flush().map_err(|e| failed(path, &e))?;
        Ok(Self {
            path: path.to_owned(),
            writer,
            paused: false,
            frames: 0,
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Pauses (`true`) or resumes the recording.
    pub fn set_paused(&mut self, paused: bool) {
        self.paused = paused;
    }

    /// Whether it is paused.
    pub fn paused(&self) -> bool {
        self.paused
    }

    /// Seconds recorded so far (pauses excluded).
    pub fn seconds(&self) -> f64 {
        self.frames as f64 * FRAME as f64 / f64::from(RATE)
    }

    /// Adds one 20 ms frame: what the agent said and what the other party said.
    pub fn write(&mut self, agent: &[i16], party: &[i16]) -> Result<(), MediaError> {
        if self.paused {
            return Ok(());
        }
        for (&a, &p) in agent.iter().zip(party) {
            self.writer
                .write_sample(a)
                .map_err(|e| failed(&self.path, &e))?;
            self.writer
                .write_sample(p)
                .map_err(|e| failed(&self.path, &e))?;
        }
        // On disk now, header included: a recording cut short keeps what it has.
        self.writer.flush().map_err(|e| failed(&self.path, &e))?;
        self.frames += 1;
        Ok(())
    }

    /// Completes the file; returns its path.
    pub fn finish(self) -> Result<PathBuf, MediaError> {
        let path = self.path;
        self.writer.finalize().map_err(|e| failed(&path, &e))?;
        Ok(path)
    }
}

/// What happens to a call's recording.
#[derive(Clone, Debug, PartialEq)]
pub enum RecordingEvent {
    /// Recording into this file.
    Started(PathBuf),
    /// Paused (nothing is written).
    Paused,
    /// Going on after a pause.
    Resumed,
    /// Complete: the file and the seconds it holds.
    Stopped {
        /// The file.
        path: PathBuf,
        /// Seconds recorded.
        seconds: f64,
    },
    /// The recording stopped on an error (disk full, folder gone); the call goes on.
    Failed {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

/// What a session is asked to do with its recording.
#[derive(Debug)]
pub enum RecordCommand {
    /// Record into this new file (a recording in progress is completed first).
    Start(CallRecorder),
    /// Pause or resume.
    Pause(bool),
    /// Complete the recording.
    Stop,
}

/// A session's recording, if any.
#[derive(Debug, Default)]
pub(crate) struct Recording(Option<CallRecorder>);

impl Recording {
    /// Carries out `command`, telling what happened.
    pub(crate) fn command(&mut self, command: RecordCommand, tell: &mut dyn FnMut(RecordingEvent)) {
        match command {
            RecordCommand::Start(recorder) => {
                self.stop(tell);
                tell(RecordingEvent::Started(recorder.path().to_owned()));
                self.0 = Some(recorder);
            }
            RecordCommand::Pause(paused) => {
                if let Some(r) = self.0.as_mut().filter(|r| r.paused() != paused) {
                    r.set_paused(paused);
                    tell(if paused {
                        RecordingEvent::Paused
                    } else {
                        RecordingEvent::Resumed
                    });
                }
            }
            RecordCommand::Stop => self.stop(tell),
        }
    }

    /// Records one frame; on an error the recording ends and says why.
    pub(crate) fn frame(
        &mut self,
        agent: &[i16],
        party: &[i16],
        tell: &mut dyn FnMut(RecordingEvent),
    ) {
        if let Some(recorder) = self.0.as_mut() {
            if let Err(e) = recorder.write(agent, party) {
                let path = recorder.path().to_owned();
                self.0 = None;
                tell(RecordingEvent::Failed {
                    path,
                    reason: reason(&e),
                });
            }
        }
    }

    /// Completes the recording in progress.
    pub(crate) fn stop(&mut self, tell: &mut dyn FnMut(RecordingEvent)) {
        if let Some(recorder) = self.0.take() {
            let seconds = recorder.seconds();
            let path = recorder.path().to_owned();
            tell(match recorder.finish() {
                Ok(path) => RecordingEvent::Stopped { path, seconds },
                Err(e) => RecordingEvent::Failed {
                    path,
                    reason: reason(&e),
                },
            });
        }
    }
}

fn reason(error: &MediaError) -> String {
    match error {
        MediaError::Recording { reason, .. } => reason.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_left_party_right_and_pauses_are_cut_out() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("call.wav");
        let mut recorder = CallRecorder::create(&path).expect("create");
        recorder
            .write(&[100; FRAME], &[-200; FRAME])
            .expect("write");
        recorder.set_paused(true);
        recorder.write(&[7; FRAME], &[7; FRAME]).expect("paused");
        recorder.set_paused(false);
        recorder
            .write(&[300; FRAME], &[-400; FRAME])
            .expect("write");
        assert!((recorder.seconds() - 0.04).abs() < 1e-9);
        // Readable before it is finished (as after a crash).
        let early: Vec<i16> = hound::WavReader::open(&path)
            .expect("open while recording")
            .samples::<i16>()
            .collect::<Result<_, _>>()
            .expect("samples");
        assert_eq!(early.len(), 4 * FRAME);
        recorder.finish().expect("finish");
        let mut reader = hound::WavReader::open(&path).expect("open");
        assert_eq!(reader.spec().channels, 2);
        let samples: Vec<i16> = reader
            .samples::<i16>()
            .collect::<Result<_, _>>()
            .expect("samples");
        assert_eq!(&samples[..2], &[100, -200]);
        assert_eq!(&samples[2 * FRAME..2 * FRAME + 2], &[300, -400]);
        assert!(!samples.contains(&7), "the paused frame is not in the file");
    }

    #[test]
    fn a_missing_folder_or_a_full_disk_is_a_recording_error() {
        let missing = CallRecorder::create(Path::new("/nonexistent-folder/call.wav"));
        assert!(matches!(missing, Err(MediaError::Recording { .. })));
        // /dev/full answers every write with "no space left on device".
        match CallRecorder::create(Path::new("/dev/full")) {
            Err(MediaError::Recording { reason, .. }) => {
                assert!(reason.contains("space"), "{reason}");
            }
            Ok(mut recorder) => {
                let error = recorder
                    .write(&[1; FRAME], &[1; FRAME])
                    .expect_err("disk full");
                assert!(error.to_string().contains("space"), "{error}");
            }
            Err(other) => panic!("{other}"),
        }
    }
}
