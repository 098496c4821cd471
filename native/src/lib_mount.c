/* lib_mount */
