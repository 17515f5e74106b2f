"""Speed: `modelsite speed` measures each variant on the device at hand, into committed result files
(`speed/DEVICE-SETTING.csv`) that validate checks and the site shows."""

from modelsite.speed.results import SETTINGS, SPEED_DIR, SpeedFile, SpeedRow, read_speed_file, speed_files

__all__ = ["SPEED_DIR", "SETTINGS", "SpeedFile", "SpeedRow", "speed_files", "read_speed_file"]
