def main():
    print("nnsim")
