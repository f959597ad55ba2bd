"""The carer-facing site outside Wagtail's page serving: My classes, My children, the
calendar and its iCal feed, the story feed, the authorising file view, and their URLs."""
