print("athd")
