"""Records: retention, holds, disposition, public-records requests, release packages, backups."""
