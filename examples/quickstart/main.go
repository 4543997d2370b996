// Command quickstart walks through Mangopay's SCA flow with the SDK.
//
// For now it builds a client and prints what it would do; a later version runs
// the whole flow against the in-process emulator.
package main

import (
	"fmt"
	"os"

	"github.com/scaforge/mangopay"
)

func main() {
	id, key := os.Getenv("MANGOPAY_CLIENT_ID"), os.Getenv("MANGOPAY_API_KEY")
	if id == "" || key == "" {
		id, key = "demo", "demo-key"
	}
	c, err := mangopay.New(id, key)
	if err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
	fmt.Printf("Built %v\n", c)
	fmt.Println("Next: create an OWNER user, redirect to its SCA link, read its wallets.")
}
