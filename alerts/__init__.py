"""When and how hard a city responds: AQI (HJ 633-2012), trigger rule sets, alert windows."""
