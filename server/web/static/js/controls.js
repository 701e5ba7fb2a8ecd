// The call's own-media buttons: microphone, camera, switching between cameras (phones).

import {openCamera} from "./media.js";
import {setText} from "./i18n.js";
import {$, toggleLabel} from "./ui.js";

export class MediaControls {
  /** view: the CallView; memory: tabMemory (remembers the camera choice for a reload). */
  constructor({view, memory}) {
    this.view = view;
    this.memory = memory;
    this.stream = null;
    this.room = null;
    this.busy = false;
    $("btn-mic").addEventListener("click", () => this.toggleMicrophone());
    $("btn-cam").addEventListener("click", () => this.toggleCamera());
    $("btn-switch").addEventListener("click", () => this.switchCamera());
    navigator.mediaDevices.addEventListener?.("devicechange", () => this.countCameras());
  }

  /** stream: the local MediaStream (its video track comes and goes with the camera button);
   * room: the RoomConnection whose publisher sends it. */
  attach({stream, room, cameraOn, cameraId}) {
    this.stream = stream;
    this.room = room;
    this.cameraOn = cameraOn;
    this.cameraId = cameraId;
    this.micOn = true;
    this.render();
    this.countCameras();
  }

  async countCameras() {
    try {
      const cameras = (await navigator.mediaDevices.enumerateDevices())
        .filter((d) => d.kind === "videoinput");
      this.cameras = cameras;
      $("btn-switch").hidden = cameras.length < 2;
    } catch (e) {
      $("btn-switch").hidden = true;
    }
  }

  render() {
    toggleLabel($("btn-mic"), this.micOn, "web.call.mute", "web.call.unmute");
    toggleLabel($("btn-cam"), this.cameraOn, "web.call.camera_off", "web.call.camera_on");
    $("btn-cam").disabled = !this.room || !this.room.video;
    this.view.setSelfCameraOn(this.cameraOn);
    const state = $("self-state");
    if (state) {
      setText(state, this.micOn ? (this.cameraOn ? "web.call.self.on" : "web.call.self.camera_off")
        : (this.cameraOn ? "web.call.self.muted" : "web.call.self.both_off"));
    }
  }

  toggleMicrophone() {
    if (!this.stream) return;
    this.micOn = !this.micOn;
    for (const track of this.stream.getAudioTracks()) track.enabled = this.micOn;
    this.render();
  }

  async toggleCamera() {
    if (this.busy || !this.stream) return;
    this.busy = true;
    try {
      if (this.cameraOn) {
        await this.room.publisher?.setCamera(null);
        for (const track of this.stream.getVideoTracks()) {
          track.stop();
          this.stream.removeTrack(track);
        }
        this.cameraOn = false;
      } else {
        const track = await openCamera(this.cameraId);
        this.stream.addTrack(track);
        this.cameraId = track.getSettings().deviceId || this.cameraId;
        await this.room.publisher?.setCamera(track);
        this.cameraOn = true;
      }
    } catch (error) {
      console.warn("camera", error);
    } finally {
      this.busy = false;
    }
    this.memory.save({cameraOn: this.cameraOn, cameraId: this.cameraId});
    this.view.setSelf(this.stream);
    this.render();
  }

  async switchCamera() {
    if (this.busy || !this.cameras || this.cameras.length < 2) return;
    this.busy = true;
    try {
      const ids = this.cameras.map((c) => c.deviceId);
      const next = ids[(ids.indexOf(this.cameraId) + 1) % ids.length];
      const track = await openCamera(next);
      if (this.cameraOn) await this.room.publisher?.replaceCamera(track);  // no gap
      else await this.room.publisher?.setCamera(track);
      for (const old of this.stream.getVideoTracks()) {
        old.stop();
        this.stream.removeTrack(old);
      }
      this.stream.addTrack(track);
      this.cameraId = next;
      this.cameraOn = true;
      this.memory.save({cameraOn: true, cameraId: next});
    } catch (error) {
      console.warn("switch camera", error);
    } finally {
      this.busy = false;
    }
    this.view.setSelf(this.stream);
    this.render();
  }
}
